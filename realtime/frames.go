package realtime

import (
	"net"
	"sync"
)

// WebSocket frame opcodes (RFC 6455 section 5.2) the writer sends.
const (
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xA
	finBit  = 0x80
)

const (
	// copyMax is the largest payload copied into the batch buffer; a larger
	// one goes to the kernel as its own slice of the vectored write.
	copyMax = 4096
	// batchBytes bounds the payload bytes one write call takes from the
	// queue (at least one message is always taken), so that the write
	// timeout keeps bounding about the same amount of data as before.
	batchBytes = 64 << 10
	// pooledMax is the largest batch buffer kept for reuse.
	pooledMax = batchBytes + 8<<10
)

// frameBatches holds idle batches, buffers included, so that a writer
// goroutine (one starts each time a connection's queue fills from empty)
// allocates nothing for its batch.
var frameBatches = sync.Pool{New: func() any { return &frameBatch{buf: make([]byte, 0, 8<<10)} }}

// getFrameBatch returns an empty batch for writing to nc.
func getFrameBatch(nc net.Conn) *frameBatch {
	f := frameBatches.Get().(*frameBatch)
	f.flat = !vectored(nc)
	f.reset()
	return f
}

// frameBatch collects unmasked server frames (servers never mask, RFC
// 6455 section 5.1) for one vectored write: headers and small payloads are
// copied into one pooled buffer, large payloads are referenced in place.
// Permessage-deflate is never negotiated (the Upgrader does not enable
// compression), so RSV1 stays clear.
type frameBatch struct {
	msgs [][]byte // the writer's messages taken from the queue
	buf  []byte
	mark int // start of buf not yet in vecs
	vecs net.Buffers
	// flat copies every payload: for a connection that cannot write
	// vectors in one call (not a plain TCP or Unix socket, e.g. TLS).
	flat bool
}

// vectored reports whether nc writes net.Buffers with one writev.
func vectored(nc net.Conn) bool {
	switch nc.(type) {
	case *net.TCPConn, *net.UnixConn:
		return true
	}
	return false
}

func (f *frameBatch) reset() {
	f.buf, f.mark = f.buf[:0], 0
	clear(f.vecs)
	f.vecs = f.vecs[:0]
}

// add appends one final frame of opcode op with payload p.
func (f *frameBatch) add(op byte, p []byte) {
	f.buf = appendFrameHeader(f.buf, op, len(p))
	if len(p) <= copyMax || f.flat {
		f.buf = append(f.buf, p...)
		return
	}
	// Slices of an earlier array stay valid when append moves buf: their
	// bytes are never written again.
	f.vecs = append(f.vecs, f.buf[f.mark:len(f.buf):len(f.buf)], p)
	f.mark = len(f.buf)
}

// buffers returns what to write; valid until the next reset or release.
func (f *frameBatch) buffers() net.Buffers {
	if f.mark < len(f.buf) {
		f.vecs = append(f.vecs, f.buf[f.mark:len(f.buf):len(f.buf)])
		f.mark = len(f.buf)
	}
	return f.vecs
}

// release drops every reference to payloads and returns f to the pool
// (unless its buffer grew too large). f must not be used afterwards.
func (f *frameBatch) release() {
	f.reset()
	clear(f.msgs)
	f.msgs = f.msgs[:0]
	if cap(f.buf) <= pooledMax {
		frameBatches.Put(f)
	}
}

// appendFrameHeader appends the header of a final, unmasked frame: FIN and
// opcode, then the payload length in 7 bits, or 126 and 16 bits, or 127
// and 64 bits (network byte order).
func appendFrameHeader(b []byte, op byte, n int) []byte {
	b = append(b, finBit|op)
	switch {
	case n <= 125:
		return append(b, byte(n))
	case n <= 0xFFFF:
		return append(b, 126, byte(n>>8), byte(n))
	default:
		u := uint64(n)
		return append(b, 127, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32),
			byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
	}
}

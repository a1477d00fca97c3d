package realtime

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
)

// An idle connection's reader goroutine should cost as little as possible:
// parked inside gorilla's NextReader it needs a 4 KB stack (the frames of
// the read path from NextReader down to the poller), which was half of
// what an idle watcher cost. So the reader goroutine parks in a shallow
// wait for readability instead (waitReadable), and reads the socket only
// on one of the hub's deep workers once bytes have arrived (see conn.readLoop
// and deepWorkers).
//
// Two things make that work with gorilla's reader, which keeps a buffer of
// its own and, once inside NextReader, reads on until a data frame comes:
//
//   - frameConn, the network connection as gorilla sees it, never hands
//     gorilla bytes past the end of the frame being read. When gorilla has
//     returned a whole message its buffer is empty, so whether more is
//     waiting is a question for frameConn's buffer and the socket alone.
//   - the pongs (and pings) that arrive between messages, which keep an
//     idle connection alive, are taken off the front of frameConn's buffer
//     by the reader itself (takeControl): gorilla is only called for a data
//     or close frame, so it never parks waiting for the next message.

// frameConn passes the socket's bytes to gorilla's reader, one frame at a
// time. Writes, deadlines and Close go straight to the socket.
type frameConn struct {
	net.Conn
	raw syscall.RawConn

	buf  *[]byte // pooled; held only while it has unread bytes
	r, w int     // unread bytes are (*buf)[r:w]

	// The frame being handed to gorilla: pos bytes of it so far, end its
	// length (header included) once the header is known, else 0; hdr
	// holds its first bytes (a client frame's header is at most 14).
	pos, end uint64
	hdr      [maxHeader]byte

	peek [1]byte // waitReadable's MSG_PEEK target
}

const (
	maxHeader     = 14   // 2 + 8 bytes of length + 4 of mask
	frameBufSize  = 4096 // frameConn's socket reads
	maxControlLen = 125  // RFC 6455 section 5.5
)

var frameBufs = sync.Pool{New: func() any { b := make([]byte, frameBufSize); return &b }}

// buffered returns the number of bytes read from the socket and not yet
// handed on.
func (f *frameConn) buffered() int { return f.w - f.r }

// fill reads once from the socket into the buffer, after any bytes still
// unread; it blocks until at least one byte or an error arrives.
func (f *frameConn) fill() error {
	if f.buf == nil {
		f.buf = frameBufs.Get().(*[]byte)
		f.r, f.w = 0, 0
	}
	b := *f.buf
	if f.r > 0 && f.w == len(b) {
		f.w = copy(b, b[f.r:f.w])
		f.r = 0
	}
	n, err := f.Conn.Read(b[f.w:])
	f.w += n
	if n > 0 {
		return nil
	}
	f.release()
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// release returns an empty buffer to the pool.
func (f *frameConn) release() {
	if f.buf != nil && f.r == f.w {
		frameBufs.Put(f.buf)
		f.buf, f.r, f.w = nil, 0, 0
	}
}

// Read hands gorilla the socket's bytes up to the end of the current frame.
func (f *frameConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if f.buffered() == 0 {
		if f.end != 0 && f.end-f.pos >= frameBufSize {
			// Deep in a large payload: read straight into gorilla's buffer.
			n, err := f.Conn.Read(p[:min(uint64(len(p)), f.end-f.pos)])
			f.advance(p[:n])
			return n, err
		}
		if err := f.fill(); err != nil {
			return 0, err
		}
	}
	limit := uint64(f.buffered())
	if f.end == 0 {
		f.end = frameEnd(f.frontHeader())
	}
	if f.end != 0 {
		limit = min(limit, f.end-f.pos)
	} // else all that is buffered belongs to an unfinished header
	n := copy(p[:min(uint64(len(p)), limit)], (*f.buf)[f.r:])
	f.advance((*f.buf)[f.r : f.r+n])
	f.r += n
	f.release()
	return n, nil
}

// advance accounts for b, the next bytes of the current frame, handed on.
func (f *frameConn) advance(b []byte) {
	if f.pos < maxHeader {
		copy(f.hdr[f.pos:], b)
	}
	f.pos += uint64(len(b))
	if f.end != 0 && f.pos == f.end {
		f.pos, f.end = 0, 0
	}
}

// frontHeader returns the current frame's header bytes known so far: those
// handed on already and those buffered, up to maxHeader.
func (f *frameConn) frontHeader() []byte {
	var h [maxHeader]byte
	n := copy(h[:], f.hdr[:min(f.pos, maxHeader)])
	if f.buf != nil {
		n += copy(h[n:], (*f.buf)[f.r:f.w])
	}
	return h[:n]
}

// frameEnd returns the length of the frame whose first bytes are h, header
// included, or 0 while h does not hold the whole header. A length too
// large to count is returned as the largest; gorilla refuses the frame.
func frameEnd(h []byte) uint64 {
	if len(h) < 2 {
		return 0
	}
	need, size := 2, uint64(h[1]&0x7f)
	switch size {
	case 126:
		need += 2
	case 127:
		need += 8
	}
	if h[1]&0x80 != 0 {
		need += 4
	}
	if len(h) < need {
		return 0
	}
	switch size {
	case 126:
		size = uint64(binary.BigEndian.Uint16(h[2:4]))
	case 127:
		size = binary.BigEndian.Uint64(h[2:10])
	}
	if size > 1<<62 {
		return 1 << 63
	}
	return uint64(need) + size
}

// control is a ping or pong frame taken off the front of the buffer.
type control struct {
	op      byte
	payload []byte // unmasked; valid until the next read
}

// takeControl takes a well-formed ping or pong (final, masked, no reserved
// bits, at most 125 bytes) off the front of the buffer when the next frame
// is one and the reader is between messages; it reads the rest of such a
// frame from the socket when only part of it has arrived. ok is false when
// the front is anything else (a data or close frame, a malformed one, or
// nothing buffered): that is gorilla's to read.
func (f *frameConn) takeControl() (c control, ok bool, err error) {
	for {
		if f.pos != 0 || f.buffered() == 0 {
			return control{}, false, nil
		}
		b := (*f.buf)[f.r:f.w]
		op := b[0] & 0x0f
		if b[0]&0x70 != 0 || b[0]&finBit == 0 || (op != opPing && op != opPong) {
			return control{}, false, nil
		}
		if len(b) >= 2 && (b[1]&0x80 == 0 || b[1]&0x7f > maxControlLen) {
			return control{}, false, nil
		}
		if len(b) < 2 || len(b) < 6+int(b[1]&0x7f) {
			if err := f.fill(); err != nil { // the rest of a short frame
				return control{}, false, err
			}
			continue
		}
		n := int(b[1] & 0x7f)
		mask, payload := b[2:6], b[6:6+n]
		for i := range payload {
			payload[i] ^= mask[i&3]
		}
		f.r += 6 + n
		c = control{op: op, payload: payload}
		if f.buffered() == 0 {
			c.payload = append([]byte(nil), payload...) // the buffer goes back
			f.release()
		}
		return c, true, nil
	}
}

// hijacker wraps the ResponseWriter the upgrader hijacks, so that gorilla
// reads through a frameConn when the connection is a socket the reader can
// wait on; fc stays nil otherwise (TLS, say), and the reader then parks in
// gorilla's read as before.
type hijacker struct {
	http.ResponseWriter
	fc *frameConn
}

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nc, brw, err
	}
	if !canWaitReadable {
		return nc, brw, nil
	}
	switch nc.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return nc, brw, nil
	}
	raw, err := nc.(syscall.Conn).SyscallConn()
	if err != nil {
		return nc, brw, nil
	}
	h.fc = &frameConn{Conn: nc, raw: raw}
	return h.fc, brw, nil
}

// socket returns the network connection under gorilla's.
func socket(nc net.Conn) net.Conn {
	if f, ok := nc.(*frameConn); ok {
		return f.Conn
	}
	return nc
}

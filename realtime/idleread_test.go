package realtime

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// clientFrame builds one client frame; masked as RFC 6455 requires unless
// unmasked is set.
func clientFrame(fin bool, op byte, payload []byte, unmasked bool) []byte {
	b0 := op
	if fin {
		b0 |= finBit
	}
	f := []byte{b0}
	maskBit := byte(0x80)
	if unmasked {
		maskBit = 0
	}
	switch n := len(payload); {
	case n <= 125:
		f = append(f, maskBit|byte(n))
	case n <= 65535:
		f = append(f, maskBit|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, maskBit|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	if unmasked {
		return append(f, payload...)
	}
	mask := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	f = append(f, mask[:]...)
	for i, c := range payload {
		f = append(f, c^mask[i&3])
	}
	return f
}

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { _ = client.Close(); _ = server.Close() })
	return client, server
}

// TestFrameConnNeverReadsPastAFrame sends frames of every length boundary,
// in random pieces, and reads them through a frameConn with random buffer
// sizes: every read stays inside one frame, the bytes arrive unchanged, and
// no buffer is held once everything is read.
func TestFrameConnNeverReadsPastAFrame(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 2, 124, 125, 126, 127, 4095, 4096, 4097, 65535, 65536, 65537, 200_000}
	var stream []byte
	var ends []int // cumulative frame ends
	for round := range 4 {
		for _, n := range sizes {
			p := make([]byte, n)
			for i := range p {
				p[i] = byte(rng.IntN(256))
			}
			op := []byte{opText, 0x2, opPing, opPong, 0x0}[rng.IntN(5)]
			stream = append(stream, clientFrame(rng.IntN(2) == 0, op, p, round == 3 && n%2 == 0)...)
			ends = append(ends, len(stream))
		}
	}
	cl, sv := tcpPair(t)
	go func() {
		rest := stream
		for len(rest) > 0 {
			k := min(len(rest), 1+rng.IntN(9000))
			if _, err := cl.Write(rest[:k]); err != nil {
				return
			}
			rest = rest[k:]
			if rng.IntN(20) == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	f := &frameConn{Conn: sv}
	got := make([]byte, 0, len(stream))
	sizesRNG := rand.New(rand.NewPCG(3, 4))
	frame := 0
	for len(got) < len(stream) {
		p := make([]byte, 1+sizesRNG.IntN(9000))
		_ = sv.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := f.Read(p)
		if err != nil {
			t.Fatalf("read at %d of %d: %v", len(got), len(stream), err)
		}
		if n == 0 {
			t.Fatalf("empty read at %d", len(got))
		}
		for ends[frame] <= len(got) {
			frame++
		}
		if len(got)+n > ends[frame] {
			t.Fatalf("read of %d bytes at %d crosses the end of frame %d at %d", n, len(got), frame, ends[frame])
		}
		got = append(got, p[:n]...)
		if f.buffered() == 0 && f.buf != nil {
			t.Fatalf("an empty buffer is still held at %d", len(got))
		}
	}
	if !bytes.Equal(got, stream) {
		t.Fatal("the bytes read differ from the bytes sent")
	}
	if f.pos != 0 || f.end != 0 {
		t.Fatalf("after the last frame: pos %d, end %d", f.pos, f.end)
	}
}

// TestFrameEnd checks the header arithmetic at each length encoding.
func TestFrameEnd(t *testing.T) {
	for _, n := range []int{0, 125, 126, 65535, 65536} {
		for _, unmasked := range []bool{false, true} {
			f := clientFrame(true, opText, make([]byte, n), unmasked)
			hdr := len(f) - n
			for k := range hdr {
				if got := frameEnd(f[:k]); got != 0 {
					t.Fatalf("len %d: %d of %d header bytes gave end %d", n, k, hdr, got)
				}
			}
			if got := frameEnd(f[:hdr]); got != uint64(len(f)) {
				t.Fatalf("len %d unmasked %v: end %d, want %d", n, unmasked, got, len(f))
			}
		}
	}
	huge := []byte{0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4}
	if got := frameEnd(huge); got != 1<<63 {
		t.Fatalf("a length past counting: end %d", got)
	}
}

// rawClient dials the hub and returns the WebSocket client and its socket,
// on which the test writes frames of its own.
func rawClient(t *testing.T, e *testEnv) (*client, net.Conn) {
	t.Helper()
	c := e.dial(t, "")
	return c, c.ws.NetConn()
}

// watchJSON is a watch message around the test centre.
func watchJSON(ref string) []byte {
	b, _ := json.Marshal(WatchMessage{Type: TypeWatch, Ref: ref, Lat: centerLat, Lng: centerLng, RadiusM: 500})
	return b
}

// TestIdleReaderFrames sends the frames an idle reader takes itself (pings,
// pongs, whole or in pieces) and the ones it leaves to gorilla (fragmented
// messages with a ping inside, malformed control frames).
func TestIdleReaderFrames(t *testing.T) {
	e := newEnv(t, Options{}, nil, nil)
	t.Run("ping_answered_then_message", func(t *testing.T) {
		c, nc := rawClient(t, e)
		pongs := make(chan string, 4)
		c.ws.SetPongHandler(func(s string) error { pongs <- s; return nil })
		frames := append(clientFrame(true, opPing, []byte("p-1"), false), clientFrame(true, opText, watchJSON("w1"), false)...)
		if _, err := nc.Write(frames); err != nil {
			t.Fatal(err)
		}
		if m := c.expect(TypeSnapshot); m["ref"] != "w1" {
			t.Fatalf("snapshot %v", m)
		}
		c.keepReading()
		select {
		case got := <-pongs:
			if got != "p-1" {
				t.Fatalf("pong %q, want p-1", got)
			}
		case <-waitLong():
			t.Fatal("no pong for the ping")
		}
	})
	t.Run("pong_in_pieces", func(t *testing.T) {
		c, nc := rawClient(t, e)
		pong := clientFrame(true, opPong, []byte("later"), false)
		for _, piece := range [][]byte{pong[:1], pong[1:4], pong[4:]} {
			if _, err := nc.Write(piece); err != nil {
				t.Fatal(err)
			}
			time.Sleep(30 * time.Millisecond)
		}
		w := clientFrame(true, opText, watchJSON("w2"), false)
		if _, err := nc.Write(w[:3]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
		if _, err := nc.Write(w[3:]); err != nil {
			t.Fatal(err)
		}
		if m := c.expect(TypeSnapshot); m["ref"] != "w2" {
			t.Fatalf("snapshot %v", m)
		}
	})
	t.Run("fragmented_with_ping_inside", func(t *testing.T) {
		c, nc := rawClient(t, e)
		pongs := make(chan string, 4)
		c.ws.SetPongHandler(func(s string) error { pongs <- s; return nil })
		msg := watchJSON("w3")
		var frames []byte
		frames = append(frames, clientFrame(false, opText, msg[:10], false)...)
		frames = append(frames, clientFrame(true, opPing, []byte("inside"), false)...)
		frames = append(frames, clientFrame(false, 0x0, msg[10:20], false)...)
		frames = append(frames, clientFrame(true, 0x0, msg[20:], false)...)
		frames = append(frames, clientFrame(true, opPing, []byte("after"), false)...)
		if _, err := nc.Write(frames); err != nil {
			t.Fatal(err)
		}
		if m := c.expect(TypeSnapshot); m["ref"] != "w3" {
			t.Fatalf("snapshot %v", m)
		}
		c.keepReading()
		// The latest ping is answered (RFC 6455 section 5.5.3): "inside"
		// may have been superseded before the writer ran.
		for got := ""; got != "after"; {
			select {
			case got = <-pongs:
				if got != "inside" && got != "after" {
					t.Fatalf("pong %q", got)
				}
			case <-waitLong():
				t.Fatal("no pong for the last ping")
			}
		}
	})
	for name, frame := range map[string][]byte{
		"unmasked_ping":   clientFrame(true, opPing, []byte("x"), true),
		"long_ping":       append([]byte{finBit | opPing, 0x80 | 126, 0, 126, 1, 2, 3, 4}, make([]byte, 126)...),
		"fragmented_pong": clientFrame(false, opPong, []byte("x"), false),
		"reserved_bits":   append([]byte{finBit | 0x40 | opPing}, clientFrame(true, opPing, nil, false)[1:]...),
	} {
		t.Run(name, func(t *testing.T) {
			c, nc := rawClient(t, e)
			if _, err := nc.Write(frame); err != nil {
				t.Fatal(err)
			}
			c.expectClose(websocket.CloseProtocolError)
		})
	}
}

// TestIdleReadersOutsideGorilla holds connections that answer the server's
// pings for several read timeouts: they stay open (the pongs the reader
// takes itself extend the deadline), still answer a watch, and no reader
// goroutine is parked inside gorilla's reader meanwhile — the 4 KB stack
// an idle connection cost before.
func TestIdleReadersOutsideGorilla(t *testing.T) {
	e := newEnv(t, Options{PingInterval: 40 * time.Millisecond, WriteTimeout: 100 * time.Millisecond}, nil, nil)
	var cs []*client
	for range 20 {
		c := e.dial(t, "")
		c.watch(centerLat, centerLng, 300, "")
		cs = append(cs, c)
	}
	pinged := make(chan struct{}, 1000)
	msgs := make(chan []byte, 100)
	for _, c := range cs {
		c.ws.SetPingHandler(func(data string) error {
			select {
			case pinged <- struct{}{}:
			default:
			}
			return c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
		})
		go func() {
			for {
				_, b, err := c.ws.ReadMessage()
				if err != nil {
					return
				}
				msgs <- b
			}
		}()
	}
	time.Sleep(3 * e.hub.opts.readTimeout()) // 0.54 s: many pings, each answered
	if len(pinged) < 20 {
		t.Fatalf("only %d pings arrived", len(pinged))
	}
	e.hub.mu.RLock()
	open := len(e.hub.conns)
	e.hub.mu.RUnlock()
	if open != len(cs) {
		t.Fatalf("%d of %d connections still open: the pongs did not keep them", open, len(cs))
	}
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	inGorilla, waiting := 0, 0
	for _, g := range strings.Split(stacks, "\n\n") {
		if !strings.Contains(g, "realtime.(*conn).serve") {
			continue // not a server connection's reader (the test's clients are)
		}
		if strings.Contains(g, "websocket.(*Conn).NextReader") {
			inGorilla++
		}
		if strings.Contains(g, "realtime.(*frameConn).waitReadable") {
			waiting++
		}
	}
	if inGorilla > 0 || waiting != len(cs) {
		t.Fatalf("of %d idle readers, %d are parked inside gorilla's NextReader and %d in waitReadable:\n%s",
			len(cs), inGorilla, waiting, stacks)
	}
	cs[0].send(WatchMessage{Type: TypeWatch, Ref: "again", Lat: centerLat, Lng: centerLng, RadiusM: 400})
	deadline := waitLong()
	for {
		select {
		case b := <-msgs:
			if bytes.Contains(b, []byte(`"ref":"again"`)) {
				return
			}
		case <-deadline:
			t.Fatal("no answer to a watch after idling")
		}
	}
}

// BenchmarkFrameConnRead reads a stream of location-sized frames through a
// frameConn, against the socket read directly (what gorilla did before).
func BenchmarkFrameConnRead(b *testing.B) {
	msg := clientFrame(true, opText, bytes.Repeat([]byte("x"), 150), false)
	for _, wrap := range []bool{false, true} {
		b.Run(fmt.Sprintf("frameConn=%v", wrap), func(b *testing.B) {
			ln, _ := net.Listen("tcp", "127.0.0.1:0")
			defer func() { _ = ln.Close() }()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				burst := bytes.Repeat(msg, 64)
				for {
					if _, err := c.Write(burst); err != nil {
						return
					}
				}
			}()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = c.Close() }()
			var r io.Reader = c
			if wrap {
				r = &frameConn{Conn: c}
			}
			br := make([]byte, readBufferSize)
			b.SetBytes(int64(len(msg)))
			b.ResetTimer()
			total := 0
			for total < b.N*len(msg) {
				n, err := r.Read(br)
				if err != nil {
					b.Fatal(err)
				}
				total += n
			}
		})
	}
}

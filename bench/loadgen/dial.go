package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// wsDialer opens WebSocket connections to the server with a bounded number
// of dials in flight, retrying failed dials with exponential backoff.
type wsDialer struct {
	d     websocket.Dialer
	wsURL string
	sem   chan struct{}
	tries int

	sources []*net.TCPAddr // local addresses to dial from, in turn; empty: the system's choice
	next    atomic.Uint64
}

// SourceAddrs returns the n loopback source addresses 127.0.0.2 …
// 127.0.0.(n+1) that --source-addrs spreads connections over: each local
// address has its own ~28,000 ephemeral ports towards one server port, so
// n addresses pass that limit n times over. 0 gives none.
func SourceAddrs(n int) []*net.TCPAddr {
	out := make([]*net.TCPAddr, n)
	for i := range out {
		out[i] = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(i+2))} // n ≤ 250 (validate)
	}
	return out
}

// newWSDialer derives the /ws endpoint from the HTTP base URL. With
// sources, the connections are dialled from those local addresses in turn.
func newWSDialer(base string, parallel int, sources []*net.TCPAddr) (*wsDialer, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil {
		return nil, fmt.Errorf("loadgen: parse --url: %w", err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return nil, fmt.Errorf("loadgen: --url must be http or https, not %q", u.Scheme)
	}
	u.Path += "/ws"
	w := &wsDialer{
		d: websocket.Dialer{
			HandshakeTimeout: 15 * time.Second,
			ReadBufferSize:   4096,
			WriteBufferSize:  1024,
		},
		wsURL:   u.String(),
		sem:     make(chan struct{}, parallel),
		tries:   6,
		sources: sources,
	}
	if len(sources) > 0 {
		w.d.NetDialContext = w.dialFromSource
	}
	return w, nil
}

// dialFromSource opens a TCP connection from the next source address.
func (w *wsDialer) dialFromSource(ctx context.Context, network, addr string) (net.Conn, error) {
	src := w.sources[(w.next.Add(1)-1)%uint64(len(w.sources))]
	d := net.Dialer{LocalAddr: src, Timeout: w.d.HandshakeTimeout}
	return d.DialContext(ctx, network, addr)
}

// dial connects, authenticated with token when it is not empty.
func (w *wsDialer) dial(ctx context.Context, token string) (*websocket.Conn, error) {
	select {
	case w.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-w.sem }()
	var hdr http.Header
	if token != "" {
		hdr = http.Header{"Authorization": {"Bearer " + token}}
	}
	backoff := 50 * time.Millisecond
	var lastErr error
	for try := 0; try < w.tries; try++ {
		c, resp, err := w.d.DialContext(ctx, w.wsURL, hdr)
		if err == nil {
			return c, nil
		}
		lastErr = err
		if resp != nil && resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
			break // refused for good (bad token): no retry
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		backoff = min(backoff*2, 2*time.Second)
	}
	return nil, fmt.Errorf("loadgen: dial %s: %w", w.wsURL, lastErr)
}

// closeCodeOf names why a connection ended: the close code the server
// sent, or "abnormal" when the connection dropped without one.
func closeCodeOf(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return fmt.Sprintf("%d", ce.Code)
	}
	return "abnormal"
}

// closeConn sends a normal close frame and closes the connection.
func closeConn(c *websocket.Conn) {
	_ = c.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	_ = c.Close()
}

// readFrame reads the next message into buf (reused) and returns it.
func readFrame(c *websocket.Conn, buf []byte) ([]byte, error) {
	_, r, err := c.NextReader()
	if err != nil {
		return buf, err
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			if errors.Is(err, io.EOF) {
				return buf, nil
			}
			return buf, err
		}
	}
}

// closeAllConns closes conns, a few at a time.
func closeAllConns(conns []*websocket.Conn) {
	_ = forEach(context.Background(), len(conns), 64, func(_ context.Context, i int) error {
		closeConn(conns[i])
		return nil
	})
}

package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// rawGetter is the nearby mode's HTTP/1.1 client: one keep-alive connection,
// a GET written in one system call, the answer read by its Content-Length
// into a reused buffer. The load tool runs on the server's cores, and
// net/http's client spent about as much CPU per request as the server did
// (a transport goroutine pair per connection, a channel hand-off and a
// dozen allocations per request); what it saves goes to the server, as
// with wrk. It speaks only what the nearby answers need: a body framed by
// Content-Length or chunked; any other framing is an error
// ("unsupported_framing"), never a guess.
type rawGetter struct {
	addr, host string
	prefix     string // the base URL's path, before every target
	timeout    time.Duration
	conn       net.Conn
	br         *bufio.Reader
	req        []byte
}

var errUnsupportedFraming = errors.New("answer neither chunked nor with a Content-Length")

// maxRawBody bounds an answer's body: a nearby answer is tens of kilobytes,
// and a wrong length must not make the tool allocate gigabytes.
const maxRawBody = 64 << 20

// newRawGetter returns a getter for base, or nil when base is not plain
// http:// (https goes through net/http).
func newRawGetter(base string, timeout time.Duration) *rawGetter {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	return &rawGetter{addr: addr, host: u.Host, prefix: strings.TrimRight(u.Path, "/"), timeout: timeout}
}

// get sends GET prefix+target (target a path with its query) and reads the answer's body
// into buf (reused, grown as needed); it returns the body and the status
// code. After an error the connection is dropped and the next call dials
// again.
func (g *rawGetter) get(target string, buf []byte) ([]byte, int, error) {
	body, status, err := g.roundTrip(target, buf)
	if err != nil && g.conn != nil {
		_ = g.conn.Close()
		g.conn = nil
	}
	return body, status, err
}

func (g *rawGetter) roundTrip(target string, buf []byte) ([]byte, int, error) {
	if g.conn == nil {
		c, err := net.DialTimeout("tcp", g.addr, g.timeout)
		if err != nil {
			return buf, 0, err
		}
		g.conn = c
		if g.br == nil {
			g.br = bufio.NewReaderSize(c, 32<<10)
		} else {
			g.br.Reset(c)
		}
	}
	if err := g.conn.SetDeadline(time.Now().Add(g.timeout)); err != nil {
		return buf, 0, err
	}
	g.req = append(g.req[:0], "GET "...)
	g.req = append(g.req, g.prefix...)
	g.req = append(g.req, target...)
	g.req = append(g.req, " HTTP/1.1\r\nHost: "...)
	g.req = append(g.req, g.host...)
	g.req = append(g.req, "\r\nUser-Agent: illuwa-loadgen\r\nAccept: application/json\r\n\r\n"...)
	if _, err := g.conn.Write(g.req); err != nil {
		return buf, 0, err
	}
	line, err := g.br.ReadSlice('\n')
	if err != nil {
		return buf, 0, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return buf, 0, fmt.Errorf("malformed status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return buf, 0, fmt.Errorf("malformed status line %q", line)
	}
	length, chunked, closing := -1, false, false
	for {
		h, err := g.br.ReadSlice('\n')
		if err != nil {
			return buf, 0, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return buf, 0, fmt.Errorf("malformed header %q", h)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.Atoi(string(value))
			if err != nil || n < 0 {
				return buf, 0, fmt.Errorf("malformed Content-Length %q", value)
			}
			if n > maxRawBody {
				return buf, 0, fmt.Errorf("Content-Length %d past the tool's limit of %d bytes", n, maxRawBody)
			}
			length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			if !bytes.EqualFold(value, []byte("chunked")) {
				return buf, 0, errUnsupportedFraming
			}
			chunked = true
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			closing = true
		}
	}
	switch {
	case chunked:
		if buf, err = readChunked(g.br, buf[:0]); err != nil {
			return buf, 0, err
		}
	case length >= 0:
		if cap(buf) < length {
			buf = make([]byte, length, length+length/4)
		}
		buf = buf[:length]
		if _, err := io.ReadFull(g.br, buf); err != nil {
			return buf, 0, err
		}
	default:
		return buf, 0, errUnsupportedFraming
	}
	if closing {
		_ = g.conn.Close()
		g.conn = nil
	}
	return buf, status, nil
}

// readChunked appends a chunked body (RFC 9112 §7.1) to buf; extensions
// and trailers are read and ignored.
func readChunked(br *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return buf, err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 32)
		if err != nil || n < 0 {
			return buf, fmt.Errorf("malformed chunk size %q", line)
		}
		if int64(len(buf))+n > maxRawBody {
			return buf, fmt.Errorf("chunked body past the tool's limit of %d bytes", maxRawBody)
		}
		if n == 0 {
			for { // trailers, up to the empty line
				t, err := br.ReadSlice('\n')
				if err != nil {
					return buf, err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return buf, nil
				}
			}
		}
		start := len(buf)
		buf = append(buf, make([]byte, n)...)
		if _, err := io.ReadFull(br, buf[start:]); err != nil {
			return buf, err
		}
		if crlf, err := br.ReadSlice('\n'); err != nil || len(bytes.TrimRight(crlf, "\r\n")) != 0 {
			return buf, fmt.Errorf("chunk of %d bytes not followed by CRLF", n)
		}
	}
}

// close drops the connection.
func (g *rawGetter) close() {
	if g.conn != nil {
		_ = g.conn.Close()
		g.conn = nil
	}
}

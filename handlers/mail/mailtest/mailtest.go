// Package mailtest runs a real SMTP server on loopback for tests (the
// emersion/go-smtp server): it receives what the program sends, decodes
// each message, and can refuse recipients, hold a message, or stop and
// start again on the same port.
package mailtest

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one received message, decoded.
type Mail struct {
	From, To string // envelope
	Subject  string // decoded
	Header   mail.Header
	Text     string // the text/plain part
	HTML     string // the text/html part ("" when none)
	TLS      bool   // the message came over TLS (smtps or after STARTTLS)
	AuthUser string // who logged in with AUTH PLAIN ("" when nobody did)
}

// Link returns the first http(s) URL of the text that contains sub, or "".
func (m Mail) Link(sub string) string {
	for _, u := range linkRe.FindAllString(m.Text, -1) {
		if strings.Contains(u, sub) {
			return u
		}
	}
	return ""
}

var linkRe = regexp.MustCompile(`https?://[^\s<>"]+`)

// Options shape the server; the zero value accepts everything at once.
type Options struct {
	TLS *tls.Config // with Implicit: TLS from the first byte; else STARTTLS offered when set
	// Implicit makes the listener TLS (smtps).
	Implicit bool
	// User and Password, when set, are the only login AUTH PLAIN takes;
	// otherwise any login is taken.
	User, Password string
	// Refuse answers 550 to RCPT TO for the addresses it returns true for.
	Refuse func(addr string) bool
}

// Server is a running loopback SMTP server.
type Server struct {
	t    testing.TB
	opts Options
	addr string

	mu      sync.Mutex
	srv     *smtp.Server
	ln      net.Listener
	inbox   []Mail
	arrived chan struct{} // closed and replaced on every arrival
	hold    chan struct{} // when non-nil, DATA waits until it is closed
	holding func()        // tells Hold's caller that a DATA waits
}

// Start runs a server on a free loopback port until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{t: t, opts: o, arrived: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return s.addr }

// URL is the server's smtp:// (or smtps://) URL.
func (s *Server) URL() string {
	if s.opts.Implicit {
		return "smtps://" + s.addr
	}
	return "smtp://" + s.addr
}

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s, conn: c}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	if s.opts.TLS != nil {
		srv.TLSConfig = s.opts.TLS
	}
	if s.opts.Implicit {
		ln = tls.NewListener(ln, s.opts.TLS)
	}
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Stop closes the server (connections dropped); Restart brings it back on
// the same port.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
	s.mu.Unlock()
	if ln != nil {
		_ = ln.Close() // Serve may not have registered it with srv yet
	}
	if srv != nil {
		_ = srv.Close()
	}
}

// Restart listens again on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatal(err)
	}
	s.serve(ln)
}

// Hold makes every DATA wait (a slow server) until release is called, and
// then answer 451; holding is closed once a message waits.
func (s *Server) Hold() (release func(), holding <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := make(chan struct{})
	s.hold = h
	waiting := make(chan struct{})
	s.holding = sync.OnceFunc(func() { close(waiting) })
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.hold == h {
				s.hold = nil
			}
			s.mu.Unlock()
			close(h)
		})
	}, waiting
}

// Received is a copy of every message so far.
func (s *Server) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.inbox...)
}

// Wait returns the first message to `to` whose subject contains subject,
// waiting for it up to a generous bound (it fails the test then).
func (s *Server) Wait(to, subject string) Mail {
	s.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		s.mu.Lock()
		for _, m := range s.inbox {
			if strings.EqualFold(m.To, to) && strings.Contains(m.Subject, subject) {
				s.mu.Unlock()
				return m
			}
		}
		ch := s.arrived
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			s.t.Fatalf("mailtest: no mail to %s with %q in the subject (received %d)", to, subject, len(s.Received()))
			return Mail{}
		}
	}
}

type session struct {
	s        *Server
	conn     *smtp.Conn
	from, to string
	user     string
}

var _ smtp.AuthSession = (*session)(nil)

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if x.s.opts.User != "" && (user != x.s.opts.User || pass != x.s.opts.Password) {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad login"}
		}
		x.user = user
		return nil
	}), nil
}

func (x *session) Reset()        {}
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.opts.Refuse != nil && x.s.opts.Refuse(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	x.to = to
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	hold, holding := x.s.hold, x.s.holding
	x.s.mu.Unlock()
	if hold != nil {
		holding()
		<-hold
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 0, 0}, Message: "try again later"}
	}
	m, err := decode(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "bad message: " + err.Error()}
	}
	m.From, m.To = x.from, x.to
	_, m.TLS = x.conn.TLSConnectionState()
	m.AuthUser = x.user
	x.s.mu.Lock()
	x.s.inbox = append(x.s.inbox, m)
	close(x.s.arrived)
	x.s.arrived = make(chan struct{})
	x.s.mu.Unlock()
	return nil
}

// decode parses a message into its subject and text and HTML parts.
func decode(raw []byte) (Mail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{}, err
	}
	var m Mail
	m.Header = msg.Header
	if m.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Mail{}, err
	}
	typ, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return Mail{}, err
	}
	if !strings.HasPrefix(typ, "multipart/") {
		m.Text, err = body(msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return m, err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return m, nil
		}
		if err != nil {
			return Mail{}, err
		}
		text, err := body(p.Header.Get("Content-Transfer-Encoding"), p)
		if err != nil {
			return Mail{}, err
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch pt {
		case "text/plain":
			m.Text = text
		case "text/html":
			m.HTML = text
		}
	}
}

func body(cte string, r io.Reader) (string, error) {
	if strings.EqualFold(cte, "base64") {
		r = base64.NewDecoder(base64.StdEncoding, r) // it skips line breaks
	}
	b, err := io.ReadAll(r)
	return string(b), err
}

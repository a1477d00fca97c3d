package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// ErrPermanent marks a refusal that no retry will change (the server
// answered 5xx: an unknown recipient, a refused sender, a message too big);
// the worker marks such a mail failed at once.
var ErrPermanent = errors.New("mail: refused for good")

// SMTP sends each message over its own SMTP connection: smtp:// upgrades
// with STARTTLS when the server offers it, smtps:// speaks TLS from the
// start; a user and password in the URL log in (AUTH PLAIN, only over TLS
// or to a loopback server).
type SMTP struct {
	addr     string // host:port
	host     string
	implicit bool
	auth     smtp.Auth
	from     string // the From header
	envFrom  string // the bare address for MAIL FROM
	tls      *tls.Config
	timeout  time.Duration
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	now      func() time.Time
}

var _ Sender = (*SMTP)(nil)

// SMTPOptions tune an SMTP sender; zero values are defaults.
type SMTPOptions struct {
	TLS     *tls.Config   // for STARTTLS and smtps (default: the system roots, the URL's host)
	Timeout time.Duration // for one whole message, connect to QUIT; default 30 s
}

// NewSMTP parses rawURL (smtp://user:pass@host:port or smtps://...; the
// port defaults to 587 and 465) and the From address.
func NewSMTP(rawURL, from string, o SMTPOptions) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp url: %w", err)
	}
	s := &SMTP{host: u.Hostname(), from: from, tls: o.TLS, timeout: o.Timeout, now: time.Now}
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.implicit = true
	default:
		return nil, fmt.Errorf("mail: smtp url: scheme must be smtp or smtps, not %q", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("mail: smtp url: no host")
	}
	port := u.Port()
	if port == "" {
		port = map[bool]string{false: "587", true: "465"}[s.implicit]
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		pass, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", u.User.Username(), pass, s.host)
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: from address %q: %w", from, err)
	}
	s.envFrom = a.Address
	if s.tls == nil {
		s.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if s.tls.ServerName == "" {
		s.tls = s.tls.Clone()
		s.tls.ServerName = s.host
	}
	if s.timeout <= 0 {
		s.timeout = 30 * time.Second
	}
	d := &net.Dialer{}
	s.dial = d.DialContext
	return s, nil
}

// Send delivers m: it returns once the server has accepted the message. A
// 5xx answer comes wrapped in ErrPermanent; anything else (no connection, a
// timeout, a 4xx) is worth a retry.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	body, err := Render(s.from, m, s.now())
	if err != nil {
		return fmt.Errorf("mail: render: %w", err)
	}
	conn, err := s.dial(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("mail: connect %s: %w", s.addr, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // a slow server cannot hold the worker past the timeout
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if s.implicit {
		tc := tls.Client(conn, s.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("mail: tls: %w", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return classify("greeting", err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return classify("EHLO", err)
	}
	if !s.implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tls); err != nil {
				return classify("STARTTLS", err)
			}
		}
	}
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			return classify("AUTH", err)
		}
	}
	if err := c.Mail(s.envFrom); err != nil {
		return classify("MAIL FROM", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return classify("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return classify("DATA", err)
	}
	if _, err := w.Write(body); err != nil {
		return classify("DATA", err)
	}
	if err := w.Close(); err != nil {
		return classify("DATA", err)
	}
	_ = c.Quit() // the message is accepted; a lost QUIT changes nothing
	return nil
}

// classify wraps an SMTP step's error, marking 5xx answers permanent.
func classify(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return fmt.Errorf("mail: %s: %w: %d %s", step, ErrPermanent, te.Code, strings.TrimSpace(te.Msg))
	}
	return fmt.Errorf("mail: %s: %w", step, err)
}

package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/illuwa/illuwa/store"
)

// Sender delivers one message. Send returns nil once the message is
// accepted; an error wrapping ErrPermanent means no retry will help.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// LogSender is the Sender of setups without a mail server: it writes each
// message to its log at Info level (recipient masked, no body, since bodies
// carry secrets such as verification links) and never fails.
type LogSender struct {
	Log *slog.Logger
}

var _ Sender = LogSender{}

// Send logs the message.
func (l LogSender) Send(ctx context.Context, m Message) error {
	l.Log.InfoContext(ctx, "mail (no ILLUWA_SMTP_URL: logged, not sent)", slog.String("to", MaskAddress(m.To)),
		slog.String("subject", m.Subject), slog.String("kind", m.Kind), slog.Int("text_bytes", len(m.Text)))
	return nil
}

// MaskAddress keeps the first character of the local part and the domain.
func MaskAddress(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	return string([]rune(local)[:1]) + "***@" + domain
}

// Options tune the outbox worker; zero values are defaults.
type Options struct {
	Interval    time.Duration // how often the worker looks for due mail; default 5 s (a Queue on this instance wakes it at once)
	MaxAttempts int           // attempts before a mail is marked failed; default 10 (about 6 hours of backoff)
	Backoff     time.Duration // wait after the first failed attempt, doubling; default 10 s
	MaxBackoff  time.Duration // the longest wait between attempts; default 1 h
	Lease       time.Duration // how long a claimed mail is kept from other workers; default 2 min (longer than one send)
	Batch       int           // mails claimed per sweep; default 20
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Backoff <= 0 {
		o.Backoff = 10 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 20
	}
	return o
}

// Deps are what the service needs. Store is required; a nil Sender logs
// (LogSender); a nil Log discards; a nil Now is time.Now.
type Deps struct {
	Store   *store.Store
	Sender  Sender
	Log     *slog.Logger
	Options Options
	Now     func() time.Time
}

// Service is the outbox: Queue from requests, Run in the background.
type Service struct {
	store  *store.Store
	sender Sender
	log    *slog.Logger
	opts   Options
	now    func() time.Time
	kick   chan struct{}
}

// New builds the outbox service.
func New(d Deps) *Service {
	s := &Service{store: d.Store, sender: d.Sender, log: d.Log, opts: d.Options.withDefaults(), now: d.Now, kick: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.sender == nil {
		s.sender = LogSender{Log: s.log}
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Queue stores m for sending and returns: it waits on the database only,
// never on a mail server. A message without a recipient is an error.
func (s *Service) Queue(ctx context.Context, m Message) error {
	if strings.TrimSpace(m.To) == "" {
		return errors.New("mail: no recipient")
	}
	row := store.OutboxMail{ToAddr: m.To, Subject: m.Subject, TextBody: m.Text, HTMLBody: m.HTML, Kind: m.Kind}
	if err := s.store.EnqueueMail(ctx, &row); err != nil {
		return fmt.Errorf("mail: queue: %w", err)
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return nil
}

// Send queues a plain notification (the notify.Mailer contract), with an
// HTML rendering of its text.
func (s *Service) Send(ctx context.Context, to, subject, body string) error {
	return s.Queue(ctx, Message{To: to, Subject: subject, Text: body, HTML: TextToHTML(body), Kind: "notification"})
}

// Run sends due mail until ctx ends: every Interval, and at once after a
// Queue on this instance. Several instances may run it on one database:
// each mail is claimed before it is sent.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.Interval)
	defer t.Stop()
	for {
		for s.Process(ctx, s.now()) == s.opts.Batch && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// Process makes one attempt at each mail due at now (up to Batch of them)
// and returns how many it attempted.
func (s *Service) Process(ctx context.Context, now time.Time) int {
	due, err := s.store.DueMails(ctx, now, s.opts.Batch)
	if err != nil {
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "mail sweep", slog.String("error", err.Error()))
		}
		return 0
	}
	n := 0
	for _, m := range due {
		won, err := s.store.ClaimMail(ctx, m.ID, now, now.Add(s.opts.Lease))
		if err != nil || !won {
			continue
		}
		n++
		s.sendOne(ctx, m, now)
	}
	return n
}

// backoff is the wait after the given number of failed attempts.
func (s *Service) backoff(attempts int) time.Duration {
	d := s.opts.Backoff
	for i := 1; i < attempts && d < s.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.opts.MaxBackoff)
}

// sendOne attempts one claimed mail and records the outcome.
func (s *Service) sendOne(ctx context.Context, m store.OutboxMail, now time.Time) {
	attempts := m.Attempts + 1
	err := s.sender.Send(ctx, Message{To: m.ToAddr, Subject: m.Subject, Text: m.TextBody, HTML: m.HTMLBody, Kind: m.Kind})
	// The outcome is recorded even when ctx ended meanwhile: a sent mail must
	// not be sent again, and an unrecorded attempt is retried after the lease.
	rec := context.WithoutCancel(ctx)
	attrs := []any{slog.Uint64("mail_id", m.ID), slog.String("kind", m.Kind), slog.String("to", MaskAddress(m.ToAddr)), slog.Int("attempt", attempts)}
	switch {
	case err == nil:
		if ferr := s.store.FinishMail(rec, m.ID, store.MailSent, ""); ferr != nil {
			s.log.ErrorContext(ctx, "mail sent but not recorded", append(attrs, slog.String("error", ferr.Error()))...)
		}
	case errors.Is(err, ErrPermanent) || attempts >= s.opts.MaxAttempts:
		s.log.ErrorContext(ctx, "mail failed for good", append(attrs, slog.String("error", err.Error()))...)
		if ferr := s.store.FinishMail(rec, m.ID, store.MailFailed, err.Error()); ferr != nil {
			s.log.ErrorContext(ctx, "mail failure not recorded", append(attrs, slog.String("error", ferr.Error()))...)
		}
	default:
		next := now.Add(s.backoff(attempts))
		s.log.WarnContext(ctx, "mail not sent; will retry", append(attrs, slog.String("error", err.Error()), slog.Time("next_attempt_at", next))...)
		if ferr := s.store.RetryMail(rec, m.ID, next, err.Error()); ferr != nil {
			s.log.ErrorContext(ctx, "mail retry not recorded", append(attrs, slog.String("error", ferr.Error()))...)
		}
	}
}

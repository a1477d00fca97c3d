// Package notify stores notifications and tells their receivers: a push to
// their open screens and an e-mail copy. The database is the record; pushes
// and mails are best effort, their failures logged.
package notify

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// View is a notification as the API lists it and as the WebSocket
// `notification` message carries it.
type View struct {
	ID        uint64                 `json:"id"`
	Kind      string                 `json:"kind"`
	Title     string                 `json:"title"`
	Body      string                 `json:"body"`
	Data      store.NotificationData `json:"data"`
	SenderID  uint64                 `json:"sender_id"`
	Read      bool                   `json:"read"`
	ReadAt    *time.Time             `json:"read_at"`
	CreatedAt time.Time              `json:"created_at"`
}

// ViewOf is the view of a stored notification.
func ViewOf(n store.Notification) View {
	return View{ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, Data: n.Data, SenderID: n.SenderID,
		Read: n.ReadAt != nil, ReadAt: n.ReadAt, CreatedAt: n.CreatedAt}
}

// Pusher sends a real-time hint (an order change, a notification) to every
// connection of one user, on any instance; a *realtime.Hub satisfies it.
// Pushes are hints: the database is the record, so a lost push loses nothing.
type Pusher interface {
	PublishUser(ctx context.Context, userID uint64, msgType string, body any) error
}

// Mailer sends one e-mail. Send returns once the message is accepted for
// delivery; it should not wait long (a slow channel queues).
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// LogMailer is the Mailer of setups without mail delivery: it writes each
// message to its log at Info level, with the recipient's address masked.
type LogMailer struct {
	Log *slog.Logger
}

var _ Mailer = LogMailer{}

// Send logs the message and never fails.
func (m LogMailer) Send(ctx context.Context, to, subject, body string) error {
	m.Log.InfoContext(ctx, "mail", slog.String("to", maskEmail(to)), slog.String("subject", subject), slog.Int("body_chars", check.Len(body)))
	return nil
}

// maskEmail keeps the first character of the local part and the domain.
func maskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	return string([]rune(local)[:1]) + "***@" + domain
}

// Notifier stores notifications and then tells their receivers: a WebSocket
// push (when Push is set) and an e-mail (when the receiver has an address).
type Notifier struct {
	store *store.Store
	push  Pusher
	mail  Mailer
	log   *slog.Logger
}

// New returns a notifier. push may be nil (no pushes); a nil mail writes
// e-mails to the log.
func New(st *store.Store, push Pusher, mail Mailer, log *slog.Logger) *Notifier {
	if mail == nil {
		mail = LogMailer{Log: log}
	}
	return &Notifier{store: st, push: push, mail: mail, log: log}
}

// Logged is Send for callers whose own work is already done: a failure is
// logged, not returned.
func (n *Notifier) Logged(ctx context.Context, ns ...store.Notification) {
	if err := n.Send(ctx, ns...); err != nil {
		n.log.ErrorContext(ctx, "notification not stored", slog.String("error", err.Error()))
	}
}

// Send stores the notifications (in one transaction), then pushes each to
// its receiver and mails it. Only a failure to store is returned: pushes and
// mails are best effort and their failures are logged.
func (n *Notifier) Send(ctx context.Context, ns ...store.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	if err := n.store.CreateNotifications(ctx, ns); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	// The record is committed; the rest must not be cut short by the caller
	// going away.
	ctx = context.WithoutCancel(ctx)
	for _, x := range ns {
		if n.push != nil {
			if err := n.push.PublishUser(ctx, x.ReceiverID, realtime.TypeNotification, ViewOf(x)); err != nil {
				n.log.WarnContext(ctx, "notification push failed", slog.Uint64("notification_id", x.ID), slog.String("error", err.Error()))
			}
		}
		if n.mail == nil {
			continue
		}
		u, err := n.store.UserByID(ctx, x.ReceiverID)
		if err != nil || u.Email == "" {
			continue
		}
		if err := n.mail.Send(ctx, u.Email, x.Title, x.Body); err != nil {
			n.log.WarnContext(ctx, "notification mail failed", slog.Uint64("notification_id", x.ID), slog.String("error", err.Error()))
		}
	}
	return nil
}

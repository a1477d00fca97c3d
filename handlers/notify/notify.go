// Package notify stores notifications and tells their receivers: a push to
// their open screens, a Web Push to their subscribed browsers and an e-mail
// copy, each as the receiver's preferences say (see Settings). The database
// is the record; pushes and mails are best effort, their failures logged.
package notify

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/push"
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

// WebPusher queues a Web Push message to every browser the user subscribed;
// a *push.Service satisfies it. Queue waits on the database only.
type WebPusher interface {
	Queue(ctx context.Context, userID uint64, m push.Message) error
}

// Notifier stores notifications and then tells their receivers: a WebSocket
// push (when Push is set), a Web Push (when WebPush is set) and an e-mail
// (when the receiver has an address), through the channels the receiver's
// settings choose.
type Notifier struct {
	store   *store.Store
	push    Pusher
	webPush WebPusher
	mail    Mailer
	log     *slog.Logger
	now     func() time.Time
}

// New returns a notifier. push may be nil (no pushes); a nil mail writes
// e-mails to the log.
func New(st *store.Store, push Pusher, mail Mailer, log *slog.Logger) *Notifier {
	if mail == nil {
		mail = LogMailer{Log: log}
	}
	return &Notifier{store: st, push: push, mail: mail, log: log, now: time.Now}
}

// WithWebPush makes the notifier send Web Push messages through w too, and
// returns it.
func (n *Notifier) WithWebPush(w WebPusher) *Notifier {
	n.webPush = w
	return n
}

// WithClock makes the notifier read the time (for quiet hours) from now.
func (n *Notifier) WithClock(now func() time.Time) *Notifier {
	n.now = now
	return n
}

// Logged is Send for callers whose own work is already done: a failure is
// logged, not returned.
func (n *Notifier) Logged(ctx context.Context, ns ...store.Notification) {
	if err := n.Send(ctx, ns...); err != nil {
		n.log.ErrorContext(ctx, "notification not stored", slog.String("error", err.Error()))
	}
}

// delivery is one notification and the channels it goes through.
type delivery struct {
	note   store.Notification
	inApp  bool
	push   bool
	email  bool
	stored bool
}

// plan decides the channels of each notification from its receiver's
// settings (read once per receiver; the defaults when they cannot be read).
func (n *Notifier) plan(ctx context.Context, ns []store.Notification) []delivery {
	now := n.now()
	prefs := map[uint64]Settings{}
	out := make([]delivery, 0, len(ns))
	for _, x := range ns {
		set, ok := prefs[x.ReceiverID]
		if !ok {
			var err error
			if set, err = n.Settings(ctx, x.ReceiverID); err != nil {
				n.log.WarnContext(ctx, "notification settings unreadable; defaults used", slog.Uint64("user_id", x.ReceiverID), slog.String("error", err.Error()))
				set = settingsOf(store.DefaultNotificationSettings(x.ReceiverID))
			}
			prefs[x.ReceiverID] = set
		}
		kind := KindOf(x.Kind)
		c := set.channels(kind)
		quiet := set.Quiet(kind, now)
		out = append(out, delivery{note: x, inApp: c.InApp, push: c.Push && !quiet, email: c.Email && !quiet})
	}
	return out
}

// Send stores the notifications the receivers keep in their inbox (in one
// transaction), then pushes each to its receiver's screens and browsers and
// mails it, as the receiver's settings say. Only a failure to store is
// returned: pushes and mails are best effort and their failures are logged.
func (n *Notifier) Send(ctx context.Context, ns ...store.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	plan := n.plan(ctx, ns)
	var keep []store.Notification
	for _, d := range plan {
		if d.inApp {
			keep = append(keep, d.note)
		}
	}
	if err := n.store.CreateNotifications(ctx, keep); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	for i, j := 0, 0; i < len(plan); i++ {
		if plan[i].inApp {
			plan[i].note, plan[i].stored = keep[j], true
			j++
		}
	}
	// The record is committed; the rest must not be cut short by the caller
	// going away.
	ctx = context.WithoutCancel(ctx)
	for _, d := range plan {
		x := d.note
		if d.stored && n.push != nil {
			if err := n.push.PublishUser(ctx, x.ReceiverID, realtime.TypeNotification, ViewOf(x)); err != nil {
				n.log.WarnContext(ctx, "notification push failed", slog.Uint64("notification_id", x.ID), slog.String("error", err.Error()))
			}
		}
		if d.push && n.webPush != nil {
			m := push.Message{Title: x.Title, Body: x.Body, URL: LinkOf(x), Tag: tagOf(x), Kind: x.Kind}
			if err := n.webPush.Queue(ctx, x.ReceiverID, m); err != nil {
				n.log.WarnContext(ctx, "notification web push not queued", slog.Uint64("user_id", x.ReceiverID), slog.String("error", err.Error()))
			}
		}
		if !d.email || n.mail == nil {
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

// LinkOf is the web app page a notification opens: its order, its stall,
// or the inbox.
func LinkOf(x store.Notification) string {
	switch {
	case x.Data.OrderID != 0:
		return "/order.html?id=" + strconv.FormatUint(x.Data.OrderID, 10)
	case x.Data.PochaID != 0:
		return "/pochas/" + strconv.FormatUint(x.Data.PochaID, 10)
	}
	return "/inbox.html"
}

// tagOf groups a browser's notifications so that a newer one about the same
// thing replaces the older.
func tagOf(x store.Notification) string {
	switch {
	case x.Data.OrderID != 0:
		return "order-" + strconv.FormatUint(x.Data.OrderID, 10)
	case x.Data.PochaID != 0:
		return x.Kind + "-" + strconv.FormatUint(x.Data.PochaID, 10)
	}
	return ""
}

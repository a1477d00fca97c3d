package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// notificationResponse is a notification as the API lists it and as the
// WebSocket `notification` message carries it.
type notificationResponse struct {
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

func toNotification(n store.Notification) notificationResponse {
	return notificationResponse{ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, Data: n.Data, SenderID: n.SenderID,
		Read: n.ReadAt != nil, ReadAt: n.ReadAt, CreatedAt: n.CreatedAt}
}

// listNotifications pages the caller's notifications, newest first, with the
// number not yet seen.
func (s *Server) listNotifications(c *gin.Context) {
	var cs checks
	before, limit := pageQuery(c, &cs)
	if err := cs.err(); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	me := currentUser(c).ID
	ns, err := s.store.ListNotifications(ctx, me, before, limit+1)
	if err != nil {
		fail(c, err)
		return
	}
	unread, err := s.store.UnreadNotifications(ctx, me)
	if err != nil {
		fail(c, err)
		return
	}
	var next *string
	if len(ns) > limit {
		ns = ns[:limit]
		n := encodeCursor(ns[limit-1].ID)
		next = &n
	}
	out := make([]notificationResponse, 0, len(ns))
	for _, n := range ns {
		out = append(out, toNotification(n))
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "next_cursor": next, "unread_count": unread})
}

// readNotification marks one of the caller's notifications seen; again is fine.
func (s *Server) readNotification(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	n, err := s.store.MarkNotificationRead(c.Request.Context(), id, currentUser(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toNotification(n))
}

// deleteNotification deletes one of the caller's notifications.
func (s *Server) deleteNotification(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if err := s.store.DeleteNotification(c.Request.Context(), id, currentUser(c).ID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
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
	m.Log.InfoContext(ctx, "mail", slog.String("to", maskEmail(to)), slog.String("subject", subject), slog.Int("body_chars", textLen(body)))
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

// notifier stores notifications and then tells their receivers: a
// WebSocket push (when push is set) and an e-mail (when mail is set and the
// receiver has an address).
type notifier struct {
	store *store.Store
	push  Pusher
	mail  Mailer
	log   *slog.Logger
}

// notifier returns the server's notifier; e-mails go to the log.
func (s *Server) notifier() notifier {
	return notifier{store: s.store, push: s.push, mail: s.mailer, log: s.log}
}

// notify stores the notifications (in one transaction), then pushes each to
// its receiver and mails it. Only a failure to store is returned: pushes and
// mails are best effort and their failures are logged.
func (s *Server) notify(ctx context.Context, ns ...store.Notification) error {
	return s.notifier().deliver(ctx, ns...)
}

// notifyLogged is notify for callers whose own work is already done: a
// failure is logged, not returned.
func (s *Server) notifyLogged(ctx context.Context, ns ...store.Notification) {
	if err := s.notify(ctx, ns...); err != nil {
		s.log.ErrorContext(ctx, "notification not stored", slog.String("error", err.Error()))
	}
}

func (n notifier) deliver(ctx context.Context, ns ...store.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	if err := n.store.CreateNotifications(ctx, ns); err != nil {
		return fmt.Errorf("handlers: notify: %w", err)
	}
	// The record is committed; the rest must not be cut short by the caller
	// going away.
	ctx = context.WithoutCancel(ctx)
	for _, x := range ns {
		if n.push != nil {
			if err := n.push.PublishUser(ctx, x.ReceiverID, realtime.TypeNotification, toNotification(x)); err != nil {
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

// notifyOrderChange tells the right person that an order reached o.Status,
// after the change was committed:
//   - paid: the stall's owner ("새 주문", kind order_paid);
//   - accepted, ready: the customer (order_accepted, order_ready);
//   - cancelled by the owner or the system: the customer (order_cancelled);
//     cancelled by the customer: the owner, only when the order had been paid
//     (an unpaid order never reached the owner).
//
// Other statuses notify nobody. Failures are logged: the order's change
// stands whatever happens here. Call it once per committed transition.
// p is the order's stall.
func (s *Server) notifyOrderChange(ctx context.Context, o store.Order, p store.Pocha) {
	data := store.NotificationData{OrderID: o.ID, PochaID: p.ID}
	toCustomer := store.Notification{ReceiverID: o.CustomerID, SenderID: p.OwnerID, Data: data}
	switch o.Status {
	case store.OrderPaid:
		s.notifyLogged(ctx, store.Notification{ReceiverID: p.OwnerID, SenderID: o.CustomerID, Kind: store.NotifyOrderPaid,
			Title: "새 주문", Body: fmt.Sprintf("%s · 주문 #%d · %s", p.Name, o.ID, won(o.Total)), Data: data})
	case store.OrderAccepted:
		toCustomer.Kind, toCustomer.Title = store.NotifyOrderAccepted, "주문이 접수되었어요"
		toCustomer.Body = p.Name + " · 주문 #" + itoa(o.ID)
		if o.ReadyInMinutes != nil {
			toCustomer.Body += fmt.Sprintf(" · 약 %d분 뒤 준비돼요", *o.ReadyInMinutes)
		}
		s.notifyLogged(ctx, toCustomer)
	case store.OrderReady:
		toCustomer.Kind, toCustomer.Title = store.NotifyOrderReady, "주문하신 음식이 준비되었어요"
		toCustomer.Body = p.Name + "에서 찾아가세요 · 주문 #" + itoa(o.ID)
		s.notifyLogged(ctx, toCustomer)
	case store.OrderCancelled:
		body := p.Name + " · 주문 #" + itoa(o.ID)
		if o.CancelReason != "" {
			body += " · " + o.CancelReason
		}
		if o.CancelledBy == string(store.ActorCustomer) {
			if o.PaidAt == nil && o.RefundStatus == "" {
				return
			}
			s.notifyLogged(ctx, store.Notification{ReceiverID: p.OwnerID, SenderID: o.CustomerID, Kind: store.NotifyOrderCancelled,
				Title: "손님이 주문을 취소했어요", Body: body, Data: data})
			return
		}
		if o.CancelledBy == string(store.ActorSystem) {
			toCustomer.SenderID = 0
		}
		if o.RefundStatus != "" {
			body += " · 결제 금액은 환불돼요"
		}
		toCustomer.Kind, toCustomer.Title, toCustomer.Body = store.NotifyOrderCancelled, "주문이 취소되었어요", body
		s.notifyLogged(ctx, toCustomer)
	}
}

// won writes an amount as Koreans read prices: 14,000원.
func won(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	digits := itoa(uint64(n))
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return sign + b.String() + "원"
}

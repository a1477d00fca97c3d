package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/store"
)

// listNotifications pages the caller's notifications, newest first, with the
// number not yet seen.
func (s *Server) listNotifications(c *gin.Context) {
	var cs check.Fields
	before, limit := pageQuery(c, &cs)
	if err := cs.Err(); err != nil {
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
	out := make([]notify.View, 0, len(ns))
	for _, n := range ns {
		out = append(out, notify.ViewOf(n))
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
	c.JSON(http.StatusOK, notify.ViewOf(n))
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
		s.notes.Logged(ctx, store.Notification{ReceiverID: p.OwnerID, SenderID: o.CustomerID, Kind: store.NotifyOrderPaid,
			Title: "새 주문", Body: fmt.Sprintf("%s · 주문 #%d · %s", p.Name, o.ID, won(o.Total)), Data: data})
	case store.OrderAccepted:
		toCustomer.Kind, toCustomer.Title = store.NotifyOrderAccepted, "주문이 접수되었어요"
		toCustomer.Body = p.Name + " · 주문 #" + itoa(o.ID)
		if o.ReadyInMinutes != nil {
			toCustomer.Body += fmt.Sprintf(" · 약 %d분 뒤 준비돼요", *o.ReadyInMinutes)
		}
		s.notes.Logged(ctx, toCustomer)
	case store.OrderReady:
		toCustomer.Kind, toCustomer.Title = store.NotifyOrderReady, "주문하신 음식이 준비되었어요"
		toCustomer.Body = p.Name + "에서 찾아가세요 · 주문 #" + itoa(o.ID)
		s.notes.Logged(ctx, toCustomer)
	case store.OrderCancelled:
		body := p.Name + " · 주문 #" + itoa(o.ID)
		if o.CancelReason != "" {
			body += " · " + o.CancelReason
		}
		if o.CancelledBy == string(store.ActorCustomer) {
			if o.PaidAt == nil && o.RefundStatus == "" {
				return
			}
			s.notes.Logged(ctx, store.Notification{ReceiverID: p.OwnerID, SenderID: o.CustomerID, Kind: store.NotifyOrderCancelled,
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
		s.notes.Logged(ctx, toCustomer)
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

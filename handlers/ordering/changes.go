package ordering

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// change is what happened to an order, for pushes and notifications.
type change int

const (
	changePaid         change = iota // it became paid: order.created to the owner
	changeTransition                 // a status change by a person or the system
	changeRefundDone                 // its refund went through (already announced at the cancel)
	changeRefundFailed               // its refund was refused by the gateway
)

// changed tells people about an order after its change was committed: it
// stores the notification the change calls for, and pushes order.created to
// the stall's owner when it became paid, order.updated to the customer and
// the owner otherwise. Failures are logged: pushes are hints, the database is
// the record.
func (s *Service) changed(ctx context.Context, o store.Order, c change) {
	ctx = context.WithoutCancel(ctx)
	p, err := s.store.PochaByID(ctx, o.PochaID)
	if err != nil {
		s.log.WarnContext(ctx, "order push: stall lookup failed", slog.Uint64("order_id", o.ID), slog.String("error", err.Error()))
		return
	}
	switch c {
	case changePaid, changeTransition:
		s.notifyChange(ctx, o, p)
	case changeRefundFailed:
		s.notifyRefundFailed(ctx, o, p)
	}
	if s.push == nil {
		return
	}
	body := ViewOf(o)
	send := func(user uint64, typ string) {
		if err := s.push.PublishUser(ctx, user, typ, body); err != nil {
			s.log.WarnContext(ctx, "order push failed", slog.Uint64("order_id", o.ID), slog.String("type", typ), slog.String("error", err.Error()))
		}
	}
	if c == changePaid {
		s.pushCreatedTo(ctx, o, p.OwnerID)
		return
	}
	s.pushStall(ctx, o, realtime.TypeOrderUpdated)
	send(o.CustomerID, realtime.TypeOrderUpdated)
	send(p.OwnerID, realtime.TypeOrderUpdated)
}

// pushCreated pushes order.created to the order's owner and POS devices
// (no notification: for a push that may have been lost).
func (s *Service) pushCreated(ctx context.Context, o store.Order) {
	p, err := s.store.PochaByID(ctx, o.PochaID)
	if err != nil {
		s.log.WarnContext(ctx, "order push: stall lookup failed", slog.Uint64("order_id", o.ID), slog.String("error", err.Error()))
		return
	}
	s.pushCreatedTo(ctx, o, p.OwnerID)
}

func (s *Service) pushCreatedTo(ctx context.Context, o store.Order, ownerID uint64) {
	if s.push == nil {
		return
	}
	if err := s.push.PublishUser(ctx, ownerID, realtime.TypeOrderCreated, ViewOf(o)); err != nil {
		s.log.WarnContext(ctx, "order push failed", slog.Uint64("order_id", o.ID), slog.String("type", realtime.TypeOrderCreated), slog.String("error", err.Error()))
	}
	s.pushStall(ctx, o, realtime.TypeOrderCreated)
}

// notifyChange tells the right person that an order reached o.Status:
//   - paid: the stall's owner ("새 주문", kind order_paid);
//   - accepted, ready: the customer (order_accepted, order_ready);
//   - cancelled by the owner or the system: the customer (order_cancelled);
//     cancelled by the customer: the owner, only when the order had been paid
//     (an unpaid order never reached the owner).
//
// Other statuses notify nobody. p is the order's stall.
func (s *Service) notifyChange(ctx context.Context, o store.Order, p store.Pocha) {
	data := store.NotificationData{OrderID: o.ID, PochaID: p.ID}
	toCustomer := store.Notification{ReceiverID: o.CustomerID, SenderID: p.OwnerID, Data: data}
	ref := p.Name + " · 주문 #" + strconv.FormatUint(o.ID, 10)
	switch o.Status {
	case store.OrderPaid:
		s.notes.Logged(ctx, store.Notification{ReceiverID: p.OwnerID, SenderID: o.CustomerID, Kind: store.NotifyOrderPaid,
			Title: "새 주문", Body: ref + " · " + Won(o.Total), Data: data})
	case store.OrderAccepted:
		toCustomer.Kind, toCustomer.Title, toCustomer.Body = store.NotifyOrderAccepted, "주문이 접수되었어요", ref
		if o.ReadyInMinutes != nil {
			toCustomer.Body += fmt.Sprintf(" · 약 %d분 뒤 준비돼요", *o.ReadyInMinutes)
		}
		s.notes.Logged(ctx, toCustomer)
	case store.OrderReady:
		toCustomer.Kind, toCustomer.Title = store.NotifyOrderReady, "주문하신 음식이 준비되었어요"
		toCustomer.Body = p.Name + "에서 찾아가세요 · 주문 #" + strconv.FormatUint(o.ID, 10)
		s.notes.Logged(ctx, toCustomer)
	case store.OrderCancelled:
		body := ref
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

// notifyRefundFailed tells the customer the truth when the gateway refused a
// refund that the cancellation had promised: the money is not back yet, and
// the refund is handled by a person.
func (s *Service) notifyRefundFailed(ctx context.Context, o store.Order, p store.Pocha) {
	s.notes.Logged(ctx, store.Notification{ReceiverID: o.CustomerID, Kind: store.NotifyOrderCancelled,
		Title: "환불이 아직 처리되지 않았어요",
		Body:  p.Name + " · 주문 #" + strconv.FormatUint(o.ID, 10) + " · 카드사가 환불을 거절해 직접 처리해 드릴게요. 불편을 드려 죄송해요",
		Data:  store.NotificationData{OrderID: o.ID, PochaID: p.ID}})
}

// Won writes an amount as Koreans read prices: 14,000원.
func Won(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	digits := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return sign + b.String() + "원"
}

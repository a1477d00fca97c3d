package ordering

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

func TestPlaceValidates(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		cases := []struct {
			name  string
			order NewOrder
			field string
		}{
			{"no_stall", NewOrder{Items: []Line{{MenuItemID: f.item.ID, Quantity: 1}}}, "pocha_id"},
			{"unknown_stall", NewOrder{PochaID: 999999, Items: []Line{{MenuItemID: f.item.ID, Quantity: 1}}}, "pocha_id"},
			{"no_items", NewOrder{PochaID: f.pocha.ID}, "items"},
			{"too_many", NewOrder{PochaID: f.pocha.ID, Items: []Line{{MenuItemID: f.item.ID, Quantity: 51}}}, "items[0].quantity"},
			{"twice", NewOrder{PochaID: f.pocha.ID, Items: []Line{{MenuItemID: f.item.ID, Quantity: 1}, {MenuItemID: f.item.ID, Quantity: 1}}}, "items[1].menu_item_id"},
			{"not_on_menu", NewOrder{PochaID: f.pocha.ID, Items: []Line{{MenuItemID: 999999, Quantity: 1}}}, "items[0].menu_item_id"},
		}
		for _, c := range cases {
			_, err := f.svc.Place(ctx, f.customer.ID, c.order)
			var verr *check.Error
			if !errors.As(err, &verr) || verr.Fields[0].Field != c.field {
				t.Errorf("%s: %v, want a field error on %s", c.name, err, c.field)
			}
		}
		if err := f.st.SetPochaOpen(ctx, f.pocha.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Place(ctx, f.customer.ID, NewOrder{PochaID: f.pocha.ID, Items: []Line{{MenuItemID: f.item.ID, Quantity: 1}}}); !errors.Is(err, ErrPochaClosed) {
			t.Fatalf("closed stall: %v", err)
		}
	})
}

// TestOrderFlow: placed at the menu's price, paid through the gateway (the
// owner is told once: order.created and a notification), accepted, ready and
// completed by the owner, each change pushed to both.
func TestOrderFlow(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		o := f.place(3)
		if o.Total != 24000 || o.Status != store.OrderPendingPayment || o.Items[0].Name != "떡볶이" {
			t.Fatalf("placed %+v", o)
		}
		key := f.checkout(o)
		if _, err := f.svc.Confirm(ctx, f.customer.ID, Payment{OrderID: o.ID, PaymentKey: key, Amount: 1000}); !errors.Is(err, ErrAmountMismatch) {
			t.Fatalf("wrong amount: %v", err)
		}
		if _, err := f.svc.Confirm(ctx, f.stranger.ID, Payment{OrderID: o.ID, PaymentKey: key, Amount: o.Total}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another customer's confirm: %v", err)
		}
		out, err := f.svc.Confirm(ctx, f.customer.ID, Payment{OrderID: o.ID, PaymentKey: key, Amount: o.Total})
		if err != nil || out.Order.Status != store.OrderPaid || out.Payment.Status != store.PaymentDone {
			t.Fatalf("confirm: %+v %v", out, err)
		}
		again, err := f.svc.Confirm(ctx, f.customer.ID, Payment{OrderID: o.ID, PaymentKey: key, Amount: o.Total})
		if err != nil || again.Order.Status != store.OrderPaid || f.fake.Charges() != 1 {
			t.Fatalf("confirm again: %+v %v, %d charges", again, err, f.fake.Charges())
		}
		created := f.push.since(0, realtime.TypeOrderCreated)
		if len(created) != 1 || created[0].User != f.owner.ID {
			t.Fatalf("order.created pushes %+v", created)
		}
		if ns := f.notes(f.owner.ID); len(ns) != 1 || ns[0].Kind != store.NotifyOrderPaid || !strings.Contains(ns[0].Body, "24,000원") {
			t.Fatalf("owner notifications %+v", ns)
		}
		if _, err := f.svc.Act(ctx, f.customer.ID, o.ID, Accept, ActParams{ReadyInMinutes: 5}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the customer accepting: %v", err)
		}
		if _, err := f.svc.Act(ctx, f.owner.ID, o.ID, Accept, ActParams{ReadyInMinutes: 0}); err == nil {
			t.Fatal("accepted without a ready estimate")
		}
		n := f.push.count()
		for _, a := range []Action{Accept, Ready, Complete} {
			if _, err := f.svc.Act(ctx, f.owner.ID, o.ID, a, ActParams{ReadyInMinutes: 10}); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
		if _, err := f.svc.Act(ctx, f.customer.ID, o.ID, Cancel, ActParams{}); !errors.Is(err, store.ErrInvalidTransition) {
			t.Fatalf("cancel a completed order: %v", err)
		}
		if got := len(f.push.since(n, realtime.TypeOrderUpdated)); got != 6 {
			t.Fatalf("%d order.updated pushes, want 6 (three changes, to customer and owner)", got)
		}
		if v, err := f.svc.Order(ctx, f.stranger.ID, o.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a stranger reads the order: %+v %v", v, err)
		}
		list, err := f.svc.List(ctx, Caller{UserID: f.owner.ID, Role: store.RoleOwner}, ListFilter{Limit: 10})
		if err != nil || len(list) != 1 || list[0].Status != store.OrderCompleted {
			t.Fatalf("owner's list %+v %v", list, err)
		}
	})
}

// TestDeclined: a declined card is ErrDeclined with the gateway's message,
// and the customer may pay again.
func TestDeclined(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		o := f.place(1)
		f.fake.FailNext("/v1/payments/confirm", 1, 400)
		_, err := f.svc.Confirm(ctx, f.customer.ID, Payment{OrderID: o.ID, PaymentKey: f.checkout(o), Amount: o.Total})
		var ex *check.Explained
		if !errors.Is(err, ErrDeclined) || !errors.As(err, &ex) || ex.Detail == "" || Retryable(err) {
			t.Fatalf("declined: %v", err)
		}
		out, err := f.svc.Confirm(ctx, f.customer.ID, Payment{OrderID: o.ID, PaymentKey: f.checkout(o), Amount: o.Total})
		if err != nil || out.Order.Status != store.OrderPaid {
			t.Fatalf("pay again: %+v %v", out, err)
		}
	})
}

// TestRejectPaidNotifiesOnce: the owner rejects a paid order; the customer
// is told once (at the rejection, which promises the refund), not again
// when the refund goes through.
func TestRejectPaidNotifiesOnce(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		o := f.paid(1)
		if _, err := f.svc.Act(ctx, f.owner.ID, o.ID, Reject, ActParams{Reason: "재료 소진"}); err != nil {
			t.Fatal(err)
		}
		n := f.push.count()
		if done := f.svc.ProcessRefunds(ctx, time.Now()); done != 1 {
			t.Fatalf("%d refunds done", done)
		}
		ns := f.notes(f.customer.ID)
		if len(ns) != 1 || !strings.Contains(ns[0].Body, "재료 소진") || !strings.Contains(ns[0].Body, "환불") {
			t.Fatalf("customer notifications %+v, want one", ns)
		}
		updated := f.push.since(n, realtime.TypeOrderUpdated)
		if len(updated) != 2 || updated[0].Body.(View).RefundStatus != store.RefundDone {
			t.Fatalf("after the refund: pushes %+v, want order.updated to both", updated)
		}
		if len(f.push.since(n, realtime.TypeNotification)) != 0 {
			t.Fatal("the refund notified someone again")
		}
	})
}

// TestRefundFailedTellsTheTruth: when the gateway refuses the refund the
// cancellation promised, the customer is told it did not go through.
func TestRefundFailedTellsTheTruth(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		o := f.paid(1)
		if _, err := f.svc.Act(ctx, f.owner.ID, o.ID, Reject, ActParams{Reason: "재료 소진"}); err != nil {
			t.Fatal(err)
		}
		pay, err := f.st.PaymentByOrder(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.fake.FailNext("/v1/payments/"+pay.PaymentKey+"/cancel", 1, 400)
		if done := f.svc.ProcessRefunds(ctx, time.Now()); done != 0 {
			t.Fatalf("%d refunds done, want 0", done)
		}
		r, err := f.st.RefundByOrder(ctx, o.ID)
		if err != nil || r.Status != store.RefundFailed {
			t.Fatalf("refund %+v %v", r, err)
		}
		ns := f.notes(f.customer.ID)
		if len(ns) != 2 || !strings.Contains(ns[0].Title, "환불이 아직") || strings.Contains(ns[0].Body, "환불돼요") {
			t.Fatalf("customer notifications %+v: the newest must say the refund failed", ns)
		}
	})
}

// latin finds English words in a Korean text.
var latin = regexp.MustCompile(`[A-Za-z]{2,}`)

// TestAcceptTimeoutInKorean: a paid order not accepted in time is cancelled
// by the system with a Korean reason, and the customer's notice is Korean.
func TestAcceptTimeoutInKorean(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		o := f.paid(1)
		if n := f.svc.ExpireUnaccepted(ctx, time.Now().Add(9*time.Minute)); n != 0 {
			t.Fatalf("expired %d before the timeout", n)
		}
		if n := f.svc.ExpireUnaccepted(ctx, time.Now().Add(11*time.Minute)); n != 1 {
			t.Fatalf("expired %d after the timeout, want 1", n)
		}
		got, err := f.svc.Order(ctx, f.customer.ID, o.ID)
		if err != nil || got.Status != store.OrderCancelled || got.CancelReason != ReasonTimeout || got.CancelledBy != string(store.ActorSystem) {
			t.Fatalf("after the timeout %+v %v", got, err)
		}
		ns := f.notes(f.customer.ID)
		if len(ns) != 1 || latin.MatchString(ns[0].Title+ns[0].Body) || ns[0].SenderID != 0 {
			t.Fatalf("customer notifications %+v: want one, in Korean, from the system", ns)
		}
		// The customer cancelling without a reason: the stored reason is Korean too.
		o2 := f.paid(1)
		c, err := f.svc.Act(ctx, f.customer.ID, o2.ID, Cancel, ActParams{})
		if err != nil || c.CancelReason != ReasonByCustomer || latin.MatchString(c.CancelReason) {
			t.Fatalf("customer cancel %+v %v", c, err)
		}
	})
}

func TestAck(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		o := f.paid(1)
		who := realtime.Identity{UserID: f.owner.ID, Role: store.RoleOwner}
		msgs, err := f.svc.Welcome(ctx, who)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("welcome %d %v", len(msgs), err)
		}
		if err := f.svc.Ack(ctx, 0, o.ID); !errors.Is(err, ErrAckAnonymous) {
			t.Fatalf("anonymous ack: %v", err)
		}
		if err := f.svc.Ack(ctx, f.stranger.ID, o.ID); !errors.Is(err, ErrNoSuchAck) {
			t.Fatalf("stranger's ack: %v", err)
		}
		if err := f.svc.Ack(ctx, f.owner.ID, o.ID); err != nil {
			t.Fatal(err)
		}
		if msgs, err := f.svc.Welcome(ctx, who); err != nil || len(msgs) != 0 {
			t.Fatalf("welcome after the ack %d %v", len(msgs), err)
		}
	})
}

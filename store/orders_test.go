package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// mustOrderFixture makes a customer, an owner's stall and one pending order of
// 2 × 7,000 won, and returns the order.
func mustOrderFixture(t *testing.T, s *store.Store) store.Order {
	t.Helper()
	ctx := context.Background()
	cust := store.User{LoginID: "cust", PasswordHash: "x", Nickname: "c", Email: "c@example.com", Phone: "01000000000", Role: store.RoleCustomer}
	owner := store.User{LoginID: "owner", PasswordHash: "x", Nickname: "o", Email: "o@example.com", Phone: "01000000001", Role: store.RoleOwner}
	for _, u := range []*store.User{&cust, &owner} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	p := store.Pocha{OwnerID: owner.ID, Name: "포차"}
	if err := s.CreatePocha(ctx, &p); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	o := store.Order{CustomerID: cust.ID, PochaID: p.ID, Total: 14000, CreatedAt: now, UpdatedAt: now,
		Items: []store.OrderItem{{MenuItemID: 1, Name: "어묵", UnitPrice: 7000, Quantity: 2, LineTotal: 14000}}}
	if err := s.CreateOrder(ctx, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func mustPay(t *testing.T, s *store.Store, o store.Order) store.Order {
	t.Helper()
	ctx := context.Background()
	if _, err := s.BeginPayment(ctx, o.ID, "pk_1", o.Total); err != nil {
		t.Fatal(err)
	}
	out, paid, err := s.SettlePayment(ctx, o.ID, store.ApprovedPayment{PaymentKey: "pk_1", Amount: o.Total, Method: "카드",
		CardNumber: "433012******1234", ApprovedAt: time.Now()})
	if err != nil || !paid || out.Status != store.OrderPaid || out.PaidAt == nil {
		t.Fatalf("settle: %+v %v %v", out, paid, err)
	}
	return out
}

func TestOrderLifecycle(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mustOrderFixture(t, s)
		got, err := s.OrderByID(ctx, o.ID)
		if err != nil || got.Status != store.OrderPendingPayment || len(got.Items) != 1 || got.Items[0].Name != "어묵" {
			t.Fatalf("order %+v %v", got, err)
		}
		// Illegal: the state machine refuses before touching the database.
		_, err = s.TransitionOrder(ctx, store.Transition{OrderID: o.ID, From: store.OrderPendingPayment, To: store.OrderAccepted, By: store.ActorOwner})
		if !errors.Is(err, store.ErrInvalidTransition) {
			t.Fatalf("accept unpaid: %v", err)
		}
		// A stale From loses.
		_, err = s.TransitionOrder(ctx, store.Transition{OrderID: o.ID, From: store.OrderPaid, To: store.OrderAccepted, By: store.ActorOwner, ReadyInMinutes: 5})
		if !errors.Is(err, store.ErrInvalidTransition) {
			t.Fatalf("stale from: %v", err)
		}
		_, err = s.TransitionOrder(ctx, store.Transition{OrderID: 999999, From: store.OrderPaid, To: store.OrderAccepted, By: store.ActorOwner, ReadyInMinutes: 5})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown order: %v", err)
		}
		o = mustPay(t, s, o)
		// Settling the same approval again changes nothing.
		if _, paid, err := s.SettlePayment(ctx, o.ID, store.ApprovedPayment{PaymentKey: "pk_1", Amount: o.Total, ApprovedAt: time.Now()}); err != nil || paid {
			t.Fatalf("second settle: paid=%v %v", paid, err)
		}
		// Racing accepts: exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.TransitionOrder(ctx, store.Transition{OrderID: o.ID, From: store.OrderPaid, To: store.OrderAccepted,
					By: store.ActorOwner, ActorID: 2, ReadyInMinutes: 10})
				if err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				} else if !errors.Is(err, store.ErrInvalidTransition) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d accepts won", wins)
		}
		got, _ = s.OrderByID(ctx, o.ID)
		if got.ReadyAt == nil || got.ReadyAt.Sub(*got.AcceptedAt) != 10*time.Minute {
			t.Fatalf("accepted %+v", got)
		}
		evs, _ := s.OrderEvents(ctx, o.ID)
		if len(evs) != 3 || evs[2].ToStatus != store.OrderAccepted || evs[2].ActorID != 2 {
			t.Fatalf("events %+v", evs)
		}
	})
}

func TestCancelPaidWritesRefundInSameTransaction(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mustPay(t, s, mustOrderFixture(t, s))
		out, err := s.TransitionOrder(ctx, store.Transition{OrderID: o.ID, From: store.OrderPaid, To: store.OrderCancelled,
			By: store.ActorOwner, ActorID: 2, Reason: "sold out"})
		if err != nil || out.RefundStatus != store.RefundPending || out.CancelledBy != "owner" {
			t.Fatalf("cancel: %+v %v", out, err)
		}
		r, err := s.RefundByOrder(ctx, o.ID)
		if err != nil || r.Amount != 14000 || r.Status != store.RefundPending {
			t.Fatalf("refund %+v %v", r, err)
		}
		now := time.Now()
		due, _ := s.DueRefunds(ctx, now, 10)
		if len(due) != 1 {
			t.Fatalf("due %d", len(due))
		}
		won1, _ := s.ClaimRefund(ctx, r.ID, now, now.Add(time.Minute))
		won2, _ := s.ClaimRefund(ctx, r.ID, now, now.Add(time.Minute))
		if !won1 || won2 {
			t.Fatalf("claims %v %v", won1, won2)
		}
		if out, err = s.FinishRefund(ctx, o.ID, store.RefundDone, ""); err != nil || out.RefundStatus != store.RefundDone {
			t.Fatalf("finish %+v %v", out, err)
		}
		if p, _ := s.PaymentByOrder(ctx, o.ID); p.Status != store.PaymentCancelled {
			t.Fatalf("payment %s", p.Status)
		}
		if due, _ = s.DueRefunds(ctx, now.Add(time.Hour), 10); len(due) != 0 {
			t.Fatal("a done refund is due")
		}
		sales, err := s.SalesBetween(ctx, o.PochaID, now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil || len(sales) != 1 || sales[0].Refunded != 14000 || sales[0].Total != 14000 || sales[0].PaidAt.IsZero() {
			t.Fatalf("sales %+v %v", sales, err)
		}
	})
}

func TestBeginPaymentClaims(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mustOrderFixture(t, s)
		p, err := s.BeginPayment(ctx, o.ID, "pk_a", o.Total)
		if err != nil || p.Attempt != 1 || p.Status != store.PaymentPending {
			t.Fatalf("begin %+v %v", p, err)
		}
		if _, err := s.BeginPayment(ctx, o.ID, "pk_a", o.Total); !errors.Is(err, store.ErrPaymentInProgress) {
			t.Fatalf("second begin: %v", err)
		}
		_ = s.MarkPaymentRejected(ctx, o.ID)
		if p, err = s.BeginPayment(ctx, o.ID, "pk_b", o.Total); err != nil || p.Attempt != 2 {
			t.Fatalf("after decline %+v %v", p, err)
		}
		_ = s.MarkPaymentUnknown(ctx, o.ID, time.Now())
		if _, err := s.BeginPayment(ctx, o.ID, "pk_c", o.Total); !errors.Is(err, store.ErrPaymentInProgress) {
			t.Fatalf("other key while unknown: %v", err)
		}
		due, _ := s.DuePayments(ctx, time.Now().Add(time.Second), 10)
		if len(due) != 1 {
			t.Fatalf("due %d", len(due))
		}
		now := time.Now().Add(time.Second)
		a, _ := s.ClaimPaymentCheck(ctx, due[0].ID, now, now.Add(time.Minute))
		b, _ := s.ClaimPaymentCheck(ctx, due[0].ID, now, now.Add(time.Minute))
		if !a || b {
			t.Fatalf("claims %v %v", a, b)
		}
		// Concurrent begins on a fresh failure: one claim.
		_, _ = s.MarkPaymentFailed(ctx, o.ID, now.Add(time.Minute))
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i := 0; i < 6; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.BeginPayment(ctx, o.ID, "pk_d", o.Total); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("%d concurrent claims", ok)
		}
	})
}

func TestLatePaymentOfCancelledOrderIsRefunded(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mustOrderFixture(t, s)
		if _, err := s.BeginPayment(ctx, o.ID, "pk_1", o.Total); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TransitionOrder(ctx, store.Transition{OrderID: o.ID, From: store.OrderPendingPayment, To: store.OrderCancelled,
			By: store.ActorCustomer, ActorID: o.CustomerID}); err != nil {
			t.Fatal(err)
		}
		out, paid, err := s.SettlePayment(ctx, o.ID, store.ApprovedPayment{PaymentKey: "pk_1", Amount: o.Total, ApprovedAt: time.Now()})
		if err != nil || paid || out.Status != store.OrderCancelled || out.RefundStatus != store.RefundPending {
			t.Fatalf("late settle %+v paid=%v %v", out, paid, err)
		}
		if r, err := s.RefundByOrder(ctx, o.ID); err != nil || r.Amount != o.Total {
			t.Fatalf("refund %+v %v", r, err)
		}
	})
}

func TestIdempotencyRecords(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mustOrderFixture(t, s)
		rec, fresh, err := s.BeginIdempotent(ctx, o.CustomerID, "key-0001", "h1", time.Now().Add(-time.Minute))
		if err != nil || !fresh {
			t.Fatalf("begin %v %v", fresh, err)
		}
		again, fresh, err := s.BeginIdempotent(ctx, o.CustomerID, "key-0001", "h2", time.Now().Add(-time.Minute))
		if err != nil || fresh || again.RequestHash != "h1" || again.State != store.IdemProcessing {
			t.Fatalf("again %+v %v %v", again, fresh, err)
		}
		if err := s.FinishIdempotent(ctx, rec.ID, 200, []byte(`{"ok":true}`)); err != nil {
			t.Fatal(err)
		}
		got, _ := s.IdempotencyRecord(ctx, o.CustomerID, "key-0001")
		if got.State != store.IdemDone || got.ResponseStatus != 200 || string(got.ResponseBody) != `{"ok":true}` {
			t.Fatalf("done %+v", got)
		}
		rec2, _, _ := s.BeginIdempotent(ctx, o.CustomerID, "key-0002", "h", time.Now().Add(-time.Minute))
		_ = s.ReleaseIdempotent(ctx, rec2.ID)
		if _, fresh, _ := s.BeginIdempotent(ctx, o.CustomerID, "key-0002", "h", time.Now().Add(-time.Minute)); !fresh {
			t.Fatal("a released key is still taken")
		}
	})
}

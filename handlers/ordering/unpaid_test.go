package ordering

import (
	"context"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
)

// An order never paid does not hold its place forever: past UnpaidTTL
// (default 30 minutes) it is cancelled by the system, unless a payment of it
// is in flight or its outcome unknown (that payment decides).
func TestExpireUnpaid(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		unpaid := f.place(1)
		inFlight := f.place(1)
		if _, err := f.st.BeginPayment(ctx, inFlight.ID, "pay-in-flight", inFlight.Total); err != nil {
			t.Fatal(err)
		}
		paid := f.paid(1)
		if n := f.svc.ExpireUnpaid(ctx, time.Now().Add(29*time.Minute)); n != 0 {
			t.Fatalf("expired %d before the unpaid timeout", n)
		}
		if n := f.svc.ExpireUnpaid(ctx, time.Now().Add(31*time.Minute)); n != 1 {
			t.Fatalf("expired %d after the unpaid timeout, want 1", n)
		}
		got, err := f.svc.Order(ctx, f.customer.ID, unpaid.ID)
		if err != nil || got.Status != store.OrderCancelled || got.CancelReason != ReasonUnpaid || got.CancelledBy != string(store.ActorSystem) {
			t.Fatalf("the unpaid order after the timeout: %+v %v", got, err)
		}
		for _, o := range []View{inFlight, paid} {
			got, err := f.svc.Order(ctx, f.customer.ID, o.ID)
			if err != nil || got.Status == store.OrderCancelled {
				t.Fatalf("order %d (%s) was cancelled: %+v %v", o.ID, o.Status, got, err)
			}
		}
	})
}

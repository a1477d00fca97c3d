package ordering

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// TestNotifyChange: who is told what about each status an order reaches.
func TestNotifyChange(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		base, err := f.st.OrderByID(ctx, f.place(1).ID)
		if err != nil {
			t.Fatal(err)
		}
		stall := f.pocha
		five := 5
		paidAt := time.Now().UTC()
		tests := []struct {
			name   string
			change func(o *store.Order)
			to     uint64 // 0: nobody
			kind   string
			title  string
			body   string // a part of the body
			sender uint64
		}{
			{name: "pending_payment_nobody", change: func(o *store.Order) {}},
			{name: "paid_to_owner", change: func(o *store.Order) { o.Status, o.PaidAt = store.OrderPaid, &paidAt },
				to: f.owner.ID, kind: store.NotifyOrderPaid, title: "새 주문", body: "8,000원", sender: f.customer.ID},
			{name: "accepted_to_customer", change: func(o *store.Order) { o.Status, o.ReadyInMinutes = store.OrderAccepted, &five },
				to: f.customer.ID, kind: store.NotifyOrderAccepted, body: "5분", sender: f.owner.ID},
			{name: "ready_to_customer", change: func(o *store.Order) { o.Status = store.OrderReady },
				to: f.customer.ID, kind: store.NotifyOrderReady, body: "을지로 포차", sender: f.owner.ID},
			{name: "completed_nobody", change: func(o *store.Order) { o.Status = store.OrderCompleted }},
			{name: "rejected_to_customer", change: func(o *store.Order) {
				o.Status, o.CancelledBy, o.CancelReason, o.RefundStatus = store.OrderCancelled, "owner", "재료 소진", store.RefundPending
			}, to: f.customer.ID, kind: store.NotifyOrderCancelled, body: "재료 소진", sender: f.owner.ID},
			{name: "timed_out_to_customer_from_system", change: func(o *store.Order) {
				o.Status, o.CancelledBy, o.RefundStatus = store.OrderCancelled, "system", store.RefundPending
			}, to: f.customer.ID, kind: store.NotifyOrderCancelled, body: "환불", sender: 0},
			{name: "paid_cancelled_by_customer_to_owner", change: func(o *store.Order) {
				o.Status, o.CancelledBy, o.PaidAt, o.RefundStatus = store.OrderCancelled, "customer", &paidAt, store.RefundPending
			}, to: f.owner.ID, kind: store.NotifyOrderCancelled, body: "주문 #", sender: f.customer.ID},
			{name: "unpaid_cancelled_by_customer_nobody", change: func(o *store.Order) {
				o.Status, o.CancelledBy = store.OrderCancelled, "customer"
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := f.push.count()
				o := base
				tc.change(&o)
				f.svc.notifyChange(ctx, o, stall)
				pushes := f.push.since(before, realtime.TypeNotification)
				if tc.to == 0 {
					if len(pushes) != 0 {
						t.Fatalf("notified %+v", pushes)
					}
					return
				}
				if len(pushes) != 1 || pushes[0].User != tc.to {
					t.Fatalf("pushes %+v, want one to user %d", pushes, tc.to)
				}
				n := pushes[0].Body.(notify.View)
				if n.Kind != tc.kind || (tc.title != "" && n.Title != tc.title) || !strings.Contains(n.Body, tc.body) ||
					n.SenderID != tc.sender || n.Data.OrderID != o.ID || n.Data.PochaID != f.pocha.ID {
					t.Fatalf("notification %+v", n)
				}
				stored, err := f.st.ListNotifications(ctx, tc.to, 0, 1)
				if err != nil || len(stored) != 1 || stored[0].ID != n.ID || stored[0].Kind != tc.kind {
					t.Fatalf("stored %+v %v", stored, err)
				}
			})
		}
	})
}

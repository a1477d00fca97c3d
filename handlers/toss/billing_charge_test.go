package toss_test

import (
	"context"
	"errors"
	"testing"

	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/handlers/toss/tossfake"
)

// mustIssue registers card for customer and returns its billing key.
func mustIssue(t *testing.T, g *gateway, idem, customer, card string) string {
	t.Helper()
	k, err := g.client.IssueBillingKey(context.Background(), idem, toss.BillingRequest{CustomerKey: customer, CardNumber: card, ExpYear: "30", ExpMonth: "12"})
	if err != nil {
		t.Fatal(err)
	}
	return k.BillingKey
}

// TestChargeBillingKey charges saved cards through the fake gateway: an
// approved charge is DONE and counted once, a repeat with the same
// Idempotency-Key answers the same payment without charging again, and the
// refusals come back as gateway errors that match ErrRejected.
func TestChargeBillingKey(t *testing.T) {
	ctx := context.Background()
	const path = "/v1/billing/"
	charge := func(amount int64, order string) toss.BillingChargeRequest {
		return toss.BillingChargeRequest{CustomerKey: "cust-1", Amount: amount, OrderID: order, OrderName: "주문 #1"}
	}

	t.Run("ok_idempotent", func(t *testing.T) {
		g := mustStartGateway(t)
		key := mustIssue(t, g, "bill-1", "cust-1", tossfake.ApprovedCard)
		p, err := g.client.ChargeBillingKey(ctx, "stall-1-1", key, charge(9000, "order-stall-1"))
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != toss.StatusDone || p.TotalAmount != 9000 || p.OrderID != "order-stall-1" || p.Card == nil || p.Card.Number != "433012******1235" {
			t.Fatalf("payment = %+v", p)
		}
		again, err := g.client.ChargeBillingKey(ctx, "stall-1-1", key, charge(9000, "order-stall-1"))
		if err != nil || again.PaymentKey != p.PaymentKey {
			t.Fatalf("the repeat = %+v, %v; want the same payment %s", again, err, p.PaymentKey)
		}
		if n := g.fake.Charges(); n != 1 {
			t.Fatalf("%d charges, want 1", n)
		}
		// A new key for the paid order: the gateway refuses a second charge.
		_, err = g.client.ChargeBillingKey(ctx, "stall-1-2", key, charge(9000, "order-stall-1"))
		mustGatewayError(t, err, 400, toss.CodeAlreadyProcessedPayment)
		if n := g.fake.Charges(); n != 1 {
			t.Fatalf("%d charges after the refused repeat, want 1", n)
		}
	})

	t.Run("refused", func(t *testing.T) {
		g := mustStartGateway(t)
		good := mustIssue(t, g, "bill-good", "cust-1", tossfake.ApprovedCard)
		exhausted := mustIssue(t, g, "bill-exhausted", "cust-1", tossfake.ExhaustedCard)
		tests := []struct {
			name, key string
			req       toss.BillingChargeRequest
			status    int
			code      string
		}{
			{"declined", exhausted, charge(5000, "order-stall-2"), 403, toss.CodeRejectCardPayment},
			{"unknown_key", "bfake_nope", charge(5000, "order-stall-3"), 404, toss.CodeNotFoundBillingKey},
			{"other_customer", good, toss.BillingChargeRequest{CustomerKey: "cust-2", Amount: 5000, OrderID: "order-stall-4", OrderName: "x"}, 403, "INVALID_CUSTOMER_KEY"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := g.client.ChargeBillingKey(ctx, "charge-"+tt.name, tt.key, tt.req)
				mustGatewayError(t, err, tt.status, tt.code)
				if !errors.Is(err, toss.ErrRejected) {
					t.Fatalf("%v does not match ErrRejected", err)
				}
			})
		}
		if n := g.fake.Charges(); n != 0 {
			t.Fatalf("%d charges, want none", n)
		}
		// A declined order can be paid by another card afterwards.
		if _, err := g.client.ChargeBillingKey(ctx, "charge-retry", good, charge(5000, "order-stall-2")); err != nil {
			t.Fatalf("another card after a decline: %v", err)
		}
		if n := g.fake.Calls(path + good); n != 2 {
			t.Fatalf("%d calls to the good key, want 2", n)
		}
	})

	t.Run("invalid_argument", func(t *testing.T) {
		g := mustStartGateway(t)
		for name, req := range map[string]toss.BillingChargeRequest{
			"no_amount":   charge(0, "order-stall-5"),
			"no_customer": {Amount: 1, OrderID: "order-stall-5", OrderName: "x"},
		} {
			if _, err := g.client.ChargeBillingKey(ctx, "k-"+name, "bfake_x", req); !errors.Is(err, toss.ErrInvalidArgument) {
				t.Fatalf("%s: %v, want ErrInvalidArgument", name, err)
			}
		}
		if _, err := g.client.ChargeBillingKey(ctx, "k-empty", "", charge(1, "order-stall-5")); !errors.Is(err, toss.ErrInvalidArgument) {
			t.Fatalf("empty key: %v", err)
		}
		if n := g.fake.Calls(path + "bfake_x"); n != 0 {
			t.Fatalf("%d calls reached the gateway", n)
		}
	})
}

package toss_test

import (
	"context"
	"testing"

	"github.com/illuwa/illuwa/handlers/toss"
)

// mustPaid opens and confirms a payment and returns its key.
func mustPaid(t *testing.T, g *gateway, orderID string, amount int64) string {
	t.Helper()
	key := g.checkout(t, orderID, amount, "")
	if _, err := g.client.Confirm(context.Background(), "confirm-"+orderID, toss.ConfirmRequest{PaymentKey: key, OrderID: orderID, Amount: amount}); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	return key
}

func TestCancel(t *testing.T) {
	ctx := context.Background()

	t.Run("full", func(t *testing.T) {
		g := mustStartGateway(t)
		key := mustPaid(t, g, "order-cf", 15000)
		p, err := g.client.Cancel(ctx, "cancel-1", key, toss.CancelRequest{Reason: "customer changed mind"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != toss.StatusCanceled || p.BalanceAmount != 0 || len(p.Cancels) != 1 || p.Cancels[0].CancelAmount != 15000 ||
			p.Cancels[0].CancelReason != "customer changed mind" || p.Cancels[0].TransactionKey == "" || p.Cancels[0].CanceledAt.IsZero() {
			t.Fatalf("after full cancel: %+v", p)
		}
		_, err = g.client.Cancel(ctx, "cancel-2", key, toss.CancelRequest{Reason: "again"})
		mustGatewayError(t, err, 400, toss.CodeAlreadyCanceledPayment)
	})

	t.Run("partial", func(t *testing.T) {
		g := mustStartGateway(t)
		key := mustPaid(t, g, "order-cp", 10000)
		p, err := g.client.Cancel(ctx, "cancel-1", key, toss.CancelRequest{Reason: "sold out item", Amount: 3000})
		if err != nil || p.Status != toss.StatusPartialCanceled || p.BalanceAmount != 7000 || p.TotalAmount != 10000 {
			t.Fatalf("after partial: %+v %v", p, err)
		}
		_, err = g.client.Cancel(ctx, "cancel-2", key, toss.CancelRequest{Reason: "too much", Amount: 7001})
		mustGatewayError(t, err, 400, toss.CodeNotCancelableAmount)
		// Retrying the first cancel with its key does not refund twice.
		if p, err = g.client.Cancel(ctx, "cancel-1", key, toss.CancelRequest{Reason: "sold out item", Amount: 3000}); err != nil || p.BalanceAmount != 7000 {
			t.Fatalf("idempotent retry: %+v %v", p, err)
		}
		p, err = g.client.Cancel(ctx, "cancel-3", key, toss.CancelRequest{Reason: "rest", Amount: 7000})
		if err != nil || p.Status != toss.StatusCanceled || p.BalanceAmount != 0 || len(p.Cancels) != 2 {
			t.Fatalf("after second partial: %+v %v", p, err)
		}
	})

	t.Run("not_approved", func(t *testing.T) {
		g := mustStartGateway(t)
		key := g.checkout(t, "order-cn", 1000, "")
		_, err := g.client.Cancel(ctx, "cancel-1", key, toss.CancelRequest{Reason: "x"})
		mustGatewayError(t, err, 403, toss.CodeNotCancelablePayment)
	})

	t.Run("unknown_payment", func(t *testing.T) {
		g := mustStartGateway(t)
		_, err := g.client.Cancel(ctx, "cancel-1", "nope", toss.CancelRequest{Reason: "x"})
		mustGatewayError(t, err, 404, toss.CodeNotFoundPayment)
	})
}

func TestLookup(t *testing.T) {
	ctx := context.Background()
	g := mustStartGateway(t)
	key := mustPaid(t, g, "order-look", 8000)

	byKey, err := g.client.Payment(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	byOrder, err := g.client.PaymentByOrderID(ctx, "order-look")
	if err != nil {
		t.Fatal(err)
	}
	if byKey.PaymentKey != key || byOrder.PaymentKey != key || byOrder.Status != toss.StatusDone || byOrder.TotalAmount != 8000 {
		t.Fatalf("lookups: %+v / %+v", byKey, byOrder)
	}
	ready, err := g.client.Payment(ctx, g.checkout(t, "order-ready", 500, ""))
	if err != nil || ready.Status != toss.StatusReady || !ready.ApprovedAt.IsZero() || ready.Card != nil {
		t.Fatalf("ready payment: %+v %v", ready, err)
	}
	_, err = g.client.Payment(ctx, "unknown-key")
	mustGatewayError(t, err, 404, toss.CodeNotFoundPayment)
	_, err = g.client.PaymentByOrderID(ctx, "order-unknown")
	mustGatewayError(t, err, 404, toss.CodeNotFoundPayment)
}

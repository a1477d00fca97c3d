package toss_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/handlers/toss/tossfake"
)

const confirmPath = "/v1/payments/confirm"

func TestConfirm(t *testing.T) {
	ctx := context.Background()

	t.Run("ok", func(t *testing.T) {
		g := mustStartGateway(t)
		key := g.checkout(t, "order-ok-1", 12000, tossfake.ApprovedCard)
		p, err := g.client.Confirm(ctx, "idem-1", toss.ConfirmRequest{PaymentKey: key, OrderID: "order-ok-1", Amount: 12000})
		if err != nil {
			t.Fatalf("Confirm: %v", err)
		}
		if p.Status != toss.StatusDone || p.TotalAmount != 12000 || p.BalanceAmount != 12000 || p.PaymentKey != key || p.OrderID != "order-ok-1" {
			t.Fatalf("payment = %+v", p)
		}
		if !p.ApprovedAt.Equal(g.clock.Now()) || p.Method != toss.MethodCard {
			t.Fatalf("approvedAt %v method %q", p.ApprovedAt, p.Method)
		}
		if p.Card == nil || p.Card.Number != "433012******1235" || p.Card.Company != "VISA" || p.Card.IssuerCode != "4V" {
			t.Fatalf("card = %+v", p.Card)
		}
		if g.fake.Charges() != 1 {
			t.Fatalf("charges = %d", g.fake.Charges())
		}
	})

	t.Run("amount_mismatch", func(t *testing.T) {
		g := mustStartGateway(t)
		key := g.checkout(t, "order-amt-1", 12000, "")
		_, err := g.client.Confirm(ctx, "idem-1", toss.ConfirmRequest{PaymentKey: key, OrderID: "order-amt-1", Amount: 100})
		mustGatewayError(t, err, 400, toss.CodeInvalidAmount)
		mustClass(t, err, toss.ErrRejected)
		if g.fake.Charges() != 0 {
			t.Fatalf("charged on a wrong amount")
		}
		// The session survives a wrong amount.
		if _, err := g.client.Confirm(ctx, "idem-2", toss.ConfirmRequest{PaymentKey: key, OrderID: "order-amt-1", Amount: 12000}); err != nil {
			t.Fatalf("Confirm with the right amount: %v", err)
		}
	})

	t.Run("declined_card", func(t *testing.T) {
		g := mustStartGateway(t)
		key := g.checkout(t, "order-dec-1", 5000, tossfake.DeclinedCard)
		_, err := g.client.Confirm(ctx, "idem-1", toss.ConfirmRequest{PaymentKey: key, OrderID: "order-dec-1", Amount: 5000})
		mustGatewayError(t, err, 403, toss.CodeRejectCardPayment)
		mustClass(t, err, toss.ErrRejected)
		p, err := g.client.Payment(ctx, key)
		if err != nil || p.Status != toss.StatusAborted || g.fake.Charges() != 0 {
			t.Fatalf("after decline: %+v, %v, charges %d", p, err, g.fake.Charges())
		}
	})

	t.Run("confirm_twice", func(t *testing.T) {
		g := mustStartGateway(t)
		key := g.checkout(t, "order-twice", 7000, "")
		r := toss.ConfirmRequest{PaymentKey: key, OrderID: "order-twice", Amount: 7000}
		if _, err := g.client.Confirm(ctx, "idem-1", r); err != nil {
			t.Fatal(err)
		}
		_, err := g.client.Confirm(ctx, "idem-2", r)
		mustGatewayError(t, err, 400, toss.CodeAlreadyProcessedPayment)
		mustClass(t, err, toss.ErrRejected)
		if g.fake.Charges() != 1 {
			t.Fatalf("charges = %d, want 1", g.fake.Charges())
		}
	})

	t.Run("idempotent_retry", func(t *testing.T) {
		g := mustStartGateway(t)
		key := g.checkout(t, "order-idem", 9000, "")
		r := toss.ConfirmRequest{PaymentKey: key, OrderID: "order-idem", Amount: 9000}
		first, err := g.client.Confirm(ctx, "idem-same", r)
		if err != nil {
			t.Fatal(err)
		}
		g.clock.Add(time.Minute) // a replay must not be re-processed at a new time
		again, err := g.client.Confirm(ctx, "idem-same", r)
		if err != nil {
			t.Fatalf("retry: %v", err)
		}
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("retry answer differs:\n%+v\n%+v", first, again)
		}
		if g.fake.Calls(confirmPath) != 2 || g.fake.Charges() != 1 {
			t.Fatalf("calls %d charges %d, want 2 and 1", g.fake.Calls(confirmPath), g.fake.Charges())
		}
	})

	t.Run("same_key_different_body", func(t *testing.T) {
		g := mustStartGateway(t)
		k1 := g.checkout(t, "order-mm-1", 1000, "")
		k2 := g.checkout(t, "order-mm-2", 2000, "")
		if _, err := g.client.Confirm(ctx, "idem-x", toss.ConfirmRequest{PaymentKey: k1, OrderID: "order-mm-1", Amount: 1000}); err != nil {
			t.Fatal(err)
		}
		_, err := g.client.Confirm(ctx, "idem-x", toss.ConfirmRequest{PaymentKey: k2, OrderID: "order-mm-2", Amount: 2000})
		mustGatewayError(t, err, 422, toss.CodeIdempotentRequestMismatch)
		mustClass(t, err, toss.ErrRejected)
		if p, _ := g.client.Payment(ctx, k2); p.Status != toss.StatusReady || g.fake.Charges() != 1 {
			t.Fatalf("second payment %s, charges %d", p.Status, g.fake.Charges())
		}
	})

	t.Run("expired_session", func(t *testing.T) {
		g := mustStartGateway(t)
		key := g.checkout(t, "order-exp", 1000, "")
		g.clock.Add(11 * time.Minute)
		_, err := g.client.Confirm(ctx, "idem-1", toss.ConfirmRequest{PaymentKey: key, OrderID: "order-exp", Amount: 1000})
		mustGatewayError(t, err, 404, toss.CodeNotFoundPaymentSession)
		if p, _ := g.client.Payment(ctx, key); p.Status != toss.StatusExpired {
			t.Fatalf("status %s, want EXPIRED", p.Status)
		}
	})

	t.Run("invalid_argument_sends_nothing", func(t *testing.T) {
		g := mustStartGateway(t)
		for name, call := range map[string]func() error{
			"empty_idem_key": func() error {
				_, err := g.client.Confirm(ctx, "", toss.ConfirmRequest{PaymentKey: "k", OrderID: "order-1", Amount: 1})
				return err
			},
			"zero_amount": func() error {
				_, err := g.client.Confirm(ctx, "idem", toss.ConfirmRequest{PaymentKey: "k", OrderID: "order-1"})
				return err
			},
		} {
			mustClass(t, call(), toss.ErrInvalidArgument)
			if n := g.fake.Calls(confirmPath); n != 0 {
				t.Fatalf("%s: %d calls reached the gateway", name, n)
			}
		}
	})
}

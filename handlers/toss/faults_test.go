package toss_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/toss"
)

func TestUnavailable(t *testing.T) {
	ctx := context.Background()

	t.Run("5xx", func(t *testing.T) {
		g := mustStartGateway(t)
		key := g.checkout(t, "order-5xx", 3000, "")
		r := toss.ConfirmRequest{PaymentKey: key, OrderID: "order-5xx", Amount: 3000}
		g.fake.FailNext(confirmPath, 2, http.StatusServiceUnavailable)
		for i := range 2 {
			_, err := g.client.Confirm(ctx, "idem-5xx", r)
			mustGatewayError(t, err, 503, toss.CodeFailedInternalProcessing)
			mustClass(t, err, toss.ErrUnavailable)
			if i == 0 && g.fake.Charges() != 0 {
				t.Fatal("an injected failure charged")
			}
		}
		p, err := g.client.Confirm(ctx, "idem-5xx", r)
		if err != nil || p.Status != toss.StatusDone {
			t.Fatalf("third try: %v", err)
		}
		if g.fake.Calls(confirmPath) != 3 || g.fake.Charges() != 1 {
			t.Fatalf("calls %d charges %d", g.fake.Calls(confirmPath), g.fake.Charges())
		}
	})

	t.Run("context_timeout_after_charge", func(t *testing.T) {
		g := mustStartGateway(t)
		key := g.checkout(t, "order-slow", 4000, "")
		r := toss.ConfirmRequest{PaymentKey: key, OrderID: "order-slow", Amount: 4000}
		g.fake.DelayNext(confirmPath, 1, time.Hour)
		tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := g.client.Confirm(tctx, "idem-slow", r)
		mustClass(t, err, toss.ErrUnavailable)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want it to wrap context.DeadlineExceeded", err)
		}
		// Unknown outcome: the lookup tells the truth, and a retry with the
		// same key returns the stored answer without charging again.
		p, err := g.client.PaymentByOrderID(ctx, "order-slow")
		if err != nil || p.Status != toss.StatusDone {
			t.Fatalf("lookup after timeout: %+v %v", p, err)
		}
		p, err = g.client.Confirm(ctx, "idem-slow", r)
		if err != nil || p.Status != toss.StatusDone || g.fake.Charges() != 1 {
			t.Fatalf("retry: %v, charges %d", err, g.fake.Charges())
		}
	})

	t.Run("client_timeout", func(t *testing.T) {
		g := mustStartGateway(t)
		hc := g.http.Client()
		hc.Timeout = 50 * time.Millisecond
		c := toss.New(g.http.URL, testSecret, hc)
		g.fake.DelayNext("/v1/payments/orders/order-x1", 1, time.Hour)
		_, err := c.PaymentByOrderID(ctx, "order-x1")
		mustClass(t, err, toss.ErrUnavailable)
	})

	t.Run("connection_refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		_, err := toss.New(url, testSecret, nil).Payment(ctx, "pay-1")
		mustClass(t, err, toss.ErrUnavailable)
	})

	t.Run("garbled_success_body", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<html>ok</html>"))
		}))
		t.Cleanup(srv.Close)
		_, err := toss.New(srv.URL, testSecret, nil).Confirm(ctx, "idem", toss.ConfirmRequest{PaymentKey: "k", OrderID: "order-1", Amount: 1})
		mustClass(t, err, toss.ErrUnavailable)
	})

	t.Run("non_json_4xx", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(srv.Close)
		_, err := toss.New(srv.URL, testSecret, nil).Payment(ctx, "pay-1")
		mustGatewayError(t, err, 404, "")
		mustClass(t, err, toss.ErrRejected)
	})
}

func TestErrorClass(t *testing.T) {
	tests := []struct {
		name   string
		err    toss.Error
		reject bool
	}{
		{"declined", toss.Error{Status: 403, Code: toss.CodeRejectCardPayment}, true},
		{"not_found", toss.Error{Status: 404, Code: toss.CodeNotFoundPayment}, true},
		{"unauthorized", toss.Error{Status: 401, Code: toss.CodeUnauthorizedKey}, true},
		{"still_processing", toss.Error{Status: 409, Code: toss.CodeIdempotentRequestProcessing}, false},
		{"rate_limited", toss.Error{Status: 429}, false},
		{"request_timeout", toss.Error{Status: 408}, false},
		{"internal", toss.Error{Status: 500, Code: toss.CodeFailedInternalProcessing}, false},
		{"bad_gateway", toss.Error{Status: 502}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := error(&tt.err)
			if errors.Is(err, toss.ErrRejected) != tt.reject || errors.Is(err, toss.ErrUnavailable) == tt.reject {
				t.Fatalf("%v: rejected=%v unavailable=%v", err, errors.Is(err, toss.ErrRejected), errors.Is(err, toss.ErrUnavailable))
			}
		})
	}
}

func TestWrongSecretKey(t *testing.T) {
	g := mustStartGateway(t)
	key := g.checkout(t, "order-auth", 1000, "")
	c := toss.New(g.http.URL, "test_sk_wrong", nil)
	_, err := c.Confirm(context.Background(), "idem", toss.ConfirmRequest{PaymentKey: key, OrderID: "order-auth", Amount: 1000})
	mustGatewayError(t, err, 401, toss.CodeUnauthorizedKey)
	mustClass(t, err, toss.ErrRejected)
	if g.fake.Charges() != 0 {
		t.Fatal("charged with a wrong key")
	}
}

package toss_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/handlers/toss/tossfake"
)

const masterCard = "5412345678901234"

func TestIssueBillingKey(t *testing.T) {
	ctx := context.Background()

	t.Run("ok_masked_only", func(t *testing.T) {
		g := mustStartGateway(t)
		req := toss.BillingRequest{CustomerKey: "cust-42", CardNumber: "5412-3456-7890-1234", ExpYear: "29", ExpMonth: "04", CustomerIdentityNumber: "900101"}
		k, err := g.client.IssueBillingKey(ctx, "bill-1", req)
		if err != nil {
			t.Fatal(err)
		}
		if k.BillingKey == "" || k.CustomerKey != "cust-42" || k.Card.Number != "541234******1234" || k.Card.Company != "MASTER" || k.AuthenticatedAt.IsZero() {
			t.Fatalf("billing key = %+v", k)
		}
		answer := fmt.Sprintf("%+v", k)
		dump := string(g.fake.Dump())
		for _, secret := range []string{masterCard, "5412-3456-7890-1234", "3456789012", "900101"} {
			if strings.Contains(answer, secret) || strings.Contains(dump, secret) {
				t.Fatalf("%q found in the answer or the fake's state:\n%s\n%s", secret, answer, dump)
			}
		}
		if !strings.Contains(dump, k.BillingKey) || !strings.Contains(dump, `"fingerprint"`) {
			t.Fatalf("dump does not show the stored state:\n%s", dump)
		}
	})

	t.Run("charge_with_billing_key", func(t *testing.T) {
		g := mustStartGateway(t)
		k, err := g.client.IssueBillingKey(ctx, "bill-1", toss.BillingRequest{CustomerKey: "cust-1", CardNumber: tossfake.ApprovedCard, ExpYear: "30", ExpMonth: "12"})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]any{"orderId": "order-bk-1", "amount": 6000, "billingKey": k.BillingKey})
		resp, err := g.http.Client().Post(g.http.URL+"/v1/fake/checkout", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ PaymentKey string }
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		p, err := g.client.Confirm(ctx, "c-1", toss.ConfirmRequest{PaymentKey: out.PaymentKey, OrderID: "order-bk-1", Amount: 6000})
		if err != nil || p.Card == nil || p.Card.Number != k.Card.Number {
			t.Fatalf("confirm with billing key: %+v %v", p, err)
		}
	})

	t.Run("refused", func(t *testing.T) {
		g := mustStartGateway(t)
		tests := []struct {
			name, card, yy, mm string
			status             int
			code               string
		}{
			{"declined", tossfake.DeclinedCard, "30", "01", 403, toss.CodeRejectCardPayment},
			{"bad_number", "4111", "30", "01", 400, toss.CodeInvalidCardNumber},
			{"expired", tossfake.ApprovedCard, "26", "02", 400, toss.CodeInvalidCardExpiration},
			{"bad_month", tossfake.ApprovedCard, "30", "13", 400, toss.CodeInvalidCardExpiration},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := g.client.IssueBillingKey(ctx, "bill-"+tt.name, toss.BillingRequest{CustomerKey: "cust-1", CardNumber: tt.card, ExpYear: tt.yy, ExpMonth: tt.mm})
				mustGatewayError(t, err, tt.status, tt.code)
				if strings.Contains(err.Error(), tt.card) {
					t.Fatalf("error text contains the card number: %v", err)
				}
			})
		}
	})

	t.Run("delete", func(t *testing.T) {
		g := mustStartGateway(t)
		k, err := g.client.IssueBillingKey(ctx, "bill-1", toss.BillingRequest{CustomerKey: "cust-1", CardNumber: masterCard, ExpYear: "30", ExpMonth: "12"})
		if err != nil {
			t.Fatal(err)
		}
		if err := g.client.DeleteBillingKey(ctx, "del-1", k.BillingKey); err != nil {
			t.Fatal(err)
		}
		err = g.client.DeleteBillingKey(ctx, "del-2", k.BillingKey)
		mustGatewayError(t, err, 404, toss.CodeNotFoundBillingKey)
	})
}

func TestBillingRequestRedacted(t *testing.T) {
	req := toss.BillingRequest{CustomerKey: "cust-7", CardNumber: "4330123412341234", ExpYear: "29", ExpMonth: "01", CustomerIdentityNumber: "851231"}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("issue", "req", req)
	js, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", req), "%+v": fmt.Sprintf("%+v", req), "%#v": fmt.Sprintf("%#v", req),
		"%s": fmt.Sprintf("%s", req), "%q": fmt.Sprintf("%q", req), "%v_ptr": fmt.Sprintf("%v", &req),
		"String": req.String(), "slog": logged.String(), "json": string(js),
		"in_error": fmt.Errorf("wrap: %v", req).Error(),
	}
	for name, out := range outputs {
		if strings.Contains(out, "433012341234") || strings.Contains(out, "851231") {
			t.Errorf("%s leaks: %s", name, out)
		}
		if !strings.Contains(out, "cust-7") || !strings.Contains(out, "1234") {
			t.Errorf("%s lost the harmless fields: %s", name, out)
		}
	}
}

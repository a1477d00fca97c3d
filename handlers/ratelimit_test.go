package handlers

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// mustTooMany asserts r is a 429 with code and a whole-second Retry-After.
func mustTooMany(t *testing.T, r response, code string) {
	t.Helper()
	r.mustStatus(t, 429)
	if got := r.problem(t).Code; got != code {
		t.Fatalf("code %q, want %q", got, code)
	}
	if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 1 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
}

func TestWebhookIsRateLimitedPerSource(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, store.SQLite, func(d *Deps) { d.Options.WebhookRate = 3 })
	for i := 0; i < 3; i++ {
		api.do("POST", "/api/v1/payments/webhook", "", `{"nonsense":true}`).mustStatus(t, 400)
	}
	mustTooMany(t, api.do("POST", "/api/v1/payments/webhook", "", `{"nonsense":true}`), "rate_limited")
}

// TestWritesAreRateLimitedPerUser: past the budget a user's next order,
// upload or review is refused and changes nothing; another user, and
// another kind of write, keep their own budgets.
func TestWritesAreRateLimitedPerUser(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			p := newPayAPI(t, kind, func(d *Deps) { d.Options.WritesPerMinute = 2 })
			order := func(token string) response {
				return p.do("POST", "/api/v1/orders", token, map[string]any{"pocha_id": p.pocha,
					"items": []map[string]any{{"menu_item_id": p.item, "quantity": 1}}})
			}
			order(p.cust).mustStatus(t, 201)
			order(p.cust).mustStatus(t, 201)
			mustTooMany(t, order(p.cust), "too_many_writes")
			if n := countOrders(t, p.store, p.custU.ID); n != 2 {
				t.Fatalf("%d orders after the refusal, want 2", n)
			}
			other, _ := p.signupLogin("customer2", "customer")
			order(other).mustStatus(t, 201)

			png := smallPNG(t)
			p.upload(p.cust, "a.png", bytes.NewReader(png)).mustStatus(t, 201)
			p.upload(p.cust, "b.png", bytes.NewReader(png)).mustStatus(t, 201)
			mustTooMany(t, p.upload(p.cust, "c.png", bytes.NewReader(png)), "too_many_writes")

			for i := 0; i < 2; i++ {
				if r := p.do("POST", "/api/v1/pochas/"+itoa(p.pocha)+"/reviews", p.cust, map[string]any{"rating": 5, "body": "맛있어요"}); r.Status == 429 {
					t.Fatalf("review %d refused by the limit", i)
				}
			}
			mustTooMany(t, p.do("POST", "/api/v1/pochas/"+itoa(p.pocha)+"/reviews", p.cust, map[string]any{"rating": 5, "body": "맛있어요"}), "too_many_writes")
		})
	}
}

func countOrders(t *testing.T, st *store.Store, customer uint64) int {
	t.Helper()
	os, err := st.ListOrders(context.Background(), store.OrderFilter{CustomerID: customer})
	if err != nil {
		t.Fatal(err)
	}
	return len(os)
}

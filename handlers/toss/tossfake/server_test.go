package tossfake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/handlers/toss/tossfake"
)

const secret = "test_sk_fake"

// mustMount serves the fake under /fake-pg, as the demo mode does.
func mustMount(t *testing.T, opts tossfake.Options) (*tossfake.Server, *httptest.Server) {
	t.Helper()
	fake := tossfake.New(opts)
	mux := http.NewServeMux()
	mux.Handle("/fake-pg/", http.StripPrefix("/fake-pg", fake))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return fake, srv
}

func do(t *testing.T, method, url, idemKey, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.SetBasicAuth(secret, "")
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestMountedUnderPrefix(t *testing.T) {
	fake, srv := mustMount(t, tossfake.Options{SecretKey: secret})
	status, out := do(t, "POST", srv.URL+"/fake-pg/v1/fake/checkout", "", `{"orderId":"order-mount","amount":4500}`)
	if status != 200 {
		t.Fatalf("checkout: %d %v", status, out)
	}
	c := toss.New(srv.URL+"/fake-pg/", secret, nil)
	p, err := c.Confirm(context.Background(), "k1", toss.ConfirmRequest{PaymentKey: out["paymentKey"].(string), OrderID: "order-mount", Amount: 4500})
	if err != nil || p.Status != toss.StatusDone {
		t.Fatalf("confirm under prefix: %+v %v", p, err)
	}
	if fake.Calls("/v1/payments/confirm") != 1 {
		t.Fatalf("calls are counted by the unprefixed path: %d", fake.Calls("/v1/payments/confirm"))
	}
}

func TestFakeAPI(t *testing.T) {
	_, srv := mustMount(t, tossfake.Options{SecretKey: secret, RequireIdempotencyKey: true})
	base := srv.URL + "/fake-pg"
	tests := []struct {
		name, method, path, idem, body string
		status                         int
		code                           string
	}{
		{"unknown_route", "GET", "/v1/nothing", "", "", 404, "NOT_FOUND"},
		{"missing_idempotency_key", "POST", "/v1/payments/confirm", "", `{"paymentKey":"a","orderId":"order-1","amount":1}`, 400, "INVALID_REQUEST"},
		{"confirm_unknown_session", "POST", "/v1/payments/confirm", "k1", `{"paymentKey":"a","orderId":"order-1","amount":1}`, 404, "NOT_FOUND_PAYMENT_SESSION"},
		{"replayed_error", "POST", "/v1/payments/confirm", "k1", `{"paymentKey":"a","orderId":"order-1","amount":1}`, 404, "NOT_FOUND_PAYMENT_SESSION"},
		{"key_reused_on_other_path", "POST", "/v1/payments/a/cancel", "k1", `{"cancelReason":"x"}`, 422, "IDEMPOTENT_REQUEST_MISMATCH"},
		{"confirm_bad_json", "POST", "/v1/payments/confirm", "k2", `{`, 400, "INVALID_REQUEST"},
		{"checkout_bad_order_id", "POST", "/v1/fake/checkout", "", `{"orderId":"a b","amount":1}`, 400, "INVALID_REQUEST"},
		{"checkout_bad_amount", "POST", "/v1/fake/checkout", "", `{"orderId":"order-1","amount":0}`, 400, "INVALID_REQUEST"},
		{"checkout_bad_card", "POST", "/v1/fake/checkout", "", `{"orderId":"order-1","amount":10,"cardNumber":"12"}`, 400, "INVALID_CARD_NUMBER"},
		{"checkout_unknown_billing_key", "POST", "/v1/fake/checkout", "", `{"orderId":"order-1","amount":10,"billingKey":"nope"}`, 404, "NOT_FOUND_BILLING_KEY"},
		{"cancel_without_reason", "POST", "/v1/payments/a/cancel", "k3", `{}`, 400, "INVALID_REQUEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := do(t, tt.method, base+tt.path, tt.idem, tt.body)
			if status != tt.status || out["code"] != tt.code {
				t.Fatalf("got %d %v, want %d %s", status, out, tt.status, tt.code)
			}
		})
	}
}

func TestAuthAndFaults(t *testing.T) {
	fake, srv := mustMount(t, tossfake.Options{SecretKey: secret})
	path := "/v1/payments/pk-1"

	req, _ := http.NewRequest("GET", srv.URL+"/fake-pg"+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("no auth: %d", resp.StatusCode)
	}

	fake.FailNext(path, 2, 502)
	for i, want := range []int{502, 502, 404} {
		if status, _ := do(t, "GET", srv.URL+"/fake-pg"+path, "", ""); status != want {
			t.Fatalf("call %d: %d, want %d", i, status, want)
		}
	}
	if fake.Calls(path) != 4 {
		t.Fatalf("calls = %d, want 4", fake.Calls(path))
	}
	if fake.Calls("/v1/payments/other") != 0 {
		t.Fatal("calls counted on the wrong path")
	}
}

func TestCheckoutPage(t *testing.T) {
	_, srv := mustMount(t, tossfake.Options{SecretKey: secret})
	get := func(query string) (int, string) {
		resp, err := http.Get(srv.URL + "/fake-pg/v1/fake/checkout-page?" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, page := get("orderId=order-page-1&amount=12000&successUrl=%2Fpaid&orderName=%3Cb%3Etteok%3C%2Fb%3E")
	checkPageHeaders(t, srv.URL+"/fake-pg/v1/fake/checkout-page?orderId=order-page-1&amount=12000&successUrl=%2Fpaid", page)
	if status != 200 || !strings.Contains(page, `"order-page-1"`) || !strings.Contains(page, `fetch("checkout"`) ||
		!strings.Contains(page, "&lt;b&gt;tteok") || strings.Contains(page, "<b>tteok") {
		t.Fatalf("page %d:\n%s", status, page)
	}
	for _, q := range []string{
		"orderId=order-page-1&amount=12000&successUrl=https%3A%2F%2Fevil.test%2F",
		"orderId=order-page-1&amount=-1&successUrl=%2Fpaid",
		"orderId=x&amount=10&successUrl=%2Fpaid",
		"orderId=order-page-1&amount=12000&successUrl=%2F%09%2Fevil.example%2Fsteal",
		"orderId=order-page-1&amount=12000&successUrl=%2Fpaid&failUrl=%2F%5C%2Fevil.example",
		"orderId=order-page-1&amount=12000&successUrl=%2Fpaid&failUrl=%2F%0A%2Fevil.example",
	} {
		if status, _ := get(q); status != 400 {
			t.Errorf("%s: %d, want 400", q, status)
		}
	}
	// What the page's script posts opens a payment the merchant can confirm.
	resp, err := http.Post(srv.URL+"/fake-pg/v1/fake/checkout", "application/json",
		bytes.NewReader([]byte(`{"orderId":"order-page-1","amount":12000,"cardNumber":"4330 1234 1234 1234","cvc":"123"}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("checkout from page: %d", resp.StatusCode)
	}
}

// checkPageHeaders asserts the page cannot be framed and runs only its own
// script: the headers the app's pages send, with a nonce for the inline script.
func checkPageHeaders(t *testing.T, url, page string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "connect-src 'self'", "script-src 'nonce-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy allows inline code: %q", csp)
	}
	for name, want := range map[string]string{
		"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if !strings.Contains(page, "<script nonce=") {
		t.Error("the inline script carries no nonce")
	}
}

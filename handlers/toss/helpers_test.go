package toss_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/handlers/toss/tossfake"
)

const testSecret = "test_sk_illuwa"

// clock is a settable time source for the fake.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// gateway is a fake gateway served over real HTTP with a client pointed at it.
type gateway struct {
	fake   *tossfake.Server
	http   *httptest.Server
	client *toss.Client
	clock  *clock
}

// mustStartGateway starts a fake that requires the secret key and an
// Idempotency-Key on every mutating call, and a client for it.
func mustStartGateway(t *testing.T) *gateway {
	t.Helper()
	clk := &clock{now: time.Date(2026, 3, 14, 12, 30, 0, 0, toss.KST)}
	fake := tossfake.New(tossfake.Options{SecretKey: testSecret, Now: clk.Now, RequireIdempotencyKey: true})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &gateway{fake: fake, http: srv, client: toss.New(srv.URL, testSecret, srv.Client()), clock: clk}
}

// checkout opens a READY payment as the widget would and returns its key.
func (g *gateway) checkout(t *testing.T, orderID string, amount int64, card string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"orderId": orderID, "amount": amount, "cardNumber": card})
	resp, err := g.http.Client().Post(g.http.URL+"/v1/fake/checkout", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("checkout: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		PaymentKey string `json:"paymentKey"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.PaymentKey == "" {
		t.Fatalf("checkout: status %d, key %q, err %v", resp.StatusCode, out.PaymentKey, err)
	}
	return out.PaymentKey
}

// mustGatewayError asserts err is a gateway *Error with the status and code.
func mustGatewayError(t *testing.T, err error, status int, code string) *toss.Error {
	t.Helper()
	var e *toss.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *toss.Error %d %s", err, status, code)
	}
	if e.Status != status || e.Code != code {
		t.Fatalf("gateway error = %d %s, want %d %s", e.Status, e.Code, status, code)
	}
	return e
}

// mustClass asserts which error class err belongs to.
func mustClass(t *testing.T, err error, want error) {
	t.Helper()
	for _, class := range []error{toss.ErrRejected, toss.ErrUnavailable, toss.ErrInvalidArgument} {
		if got := errors.Is(err, class); got != (class == want) {
			t.Fatalf("errors.Is(%v, %v) = %v", err, class, got)
		}
	}
}

var _ http.Handler = (*tossfake.Server)(nil)

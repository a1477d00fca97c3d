package handlers

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/handlers/toss/tossfake"
)

// TestWebhookSignature: the payout events the gateway signs are taken only
// with a good signature made at most a few minutes ago under the configured
// security key; a forged, stale or missing one is 401 with its code.
func TestWebhookSignature(t *testing.T) {
	t.Parallel()
	const key = "test-security-key"
	api := newTestAPI(t, "sqlite", func(d *Deps) { d.Options.WebhookSecurityKey = key })
	hook := api.http.URL + "/api/v1/payments/webhook"
	fake := tossfake.New(tossfake.Options{SecretKey: testSecretKey, SecurityKey: key})
	ctx := context.Background()
	payout := map[string]any{"id": "FPA_1", "status": "COMPLETED", "amount": map[string]any{"currency": "KRW", "value": 10000}}
	if err := fake.SendPayoutEvent(ctx, hook, toss.EventPayoutChanged, payout); err != nil {
		t.Fatalf("a well-signed payout event: %v", err)
	}
	if err := fake.SendPayoutEvent(ctx, hook, toss.EventSellerChanged, map[string]any{"id": "seller-1", "status": "APPROVED"}); err != nil {
		t.Fatalf("a well-signed seller event: %v", err)
	}

	body := `{"eventType":"payout.changed","createdAt":"2026-12-01T12:00:00+09:00","entityType":"payout","entityBody":{"id":"FPA_2","status":"COMPLETED"}}`
	now := time.Now()
	goodSig, goodAt := toss.SignWebhook(key, []byte(body), now)
	forgedSig, _ := toss.SignWebhook("a guessed key", []byte(body), now)
	staleSig, staleAt := toss.SignWebhook(key, []byte(body), now.Add(-time.Hour))
	tests := []struct {
		name    string
		body    string
		sig, at string
		code    string
	}{
		{"forged", body, forgedSig, goodAt, "invalid_signature"},
		{"no_headers", body, "", "", "invalid_signature"},
		{"body_changed", strings.Replace(body, "FPA_2", "FPA_3", 1), goodSig, goodAt, "invalid_signature"},
		{"replayed_an_hour_later", body, staleSig, staleAt, "stale_signature"},
		{"time_header_moved", body, staleSig, goodAt, "invalid_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := api.do("POST", "/api/v1/payments/webhook", "", tt.body, toss.SignatureHeader, tt.sig, toss.TransmissionTimeHeader, tt.at).mustStatus(t, 401)
			if p := res.problem(t); p.Code != tt.code || !strings.Contains(p.Detail, "웹훅") {
				t.Fatalf("problem %+v, want %s in Korean", p, tt.code)
			}
		})
	}
	api.do("POST", "/api/v1/payments/webhook", "", body, toss.SignatureHeader, goodSig, toss.TransmissionTimeHeader, goodAt).mustStatus(t, 200)

	// Without a configured key no signed event can be checked: all are refused.
	bare := newTestAPI(t, "sqlite")
	srv := httptest.NewServer(bare.srv)
	t.Cleanup(srv.Close)
	if err := fake.SendPayoutEvent(ctx, srv.URL+"/api/v1/payments/webhook", toss.EventPayoutChanged, payout); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("a signed event with no key configured: %v, want 401", err)
	}
}

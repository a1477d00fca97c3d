package toss_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/toss"
)

func TestWebhookSignature(t *testing.T) {
	const key = "security-key-1"
	body := []byte(`{"eventType":"payout.changed","createdAt":"2024-09-05T12:19:20+09:00","entityType":"payout","entityBody":{"id":"FPA_1","status":"COMPLETED"}}`)
	at := time.Date(2024, 9, 5, 3, 19, 21, 0, time.UTC)
	sig, ts := toss.SignWebhook(key, body, at)
	if ts != "2024-09-05T12:19:21+09:00" {
		t.Fatalf("transmission time %q, want Korean time with its offset", ts)
	}
	// The documented recipe, computed apart: HMAC-SHA256 of "{payload}:{time}", base64, after "v1:".
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(string(body) + ":" + ts))
	if want := "v1:" + base64.StdEncoding.EncodeToString(m.Sum(nil)); sig != want {
		t.Fatalf("signature %q, want %q", sig, want)
	}
	now := at.Add(time.Minute)
	rotated := "v1:" + base64.StdEncoding.EncodeToString([]byte("an old key's mac, 32 bytes long.")) + "," + sig
	tests := []struct {
		name     string
		key, sig string
		ts       string
		body     []byte
		now      time.Time
		want     error
	}{
		{"good", key, sig, ts, body, now, nil},
		{"second_of_two_during_rotation", key, rotated, ts, body, now, nil},
		{"other_key", "another key", sig, ts, body, now, toss.ErrSignatureInvalid},
		{"changed_body", key, sig, ts, append([]byte(nil), body[:len(body)-2]...), now, toss.ErrSignatureInvalid},
		{"changed_time", key, sig, "2024-09-05T12:19:22+09:00", body, now, toss.ErrSignatureInvalid},
		{"no_signature", key, "", ts, body, now, toss.ErrSignatureInvalid},
		{"no_prefix", key, sig[3:], ts, body, now, toss.ErrSignatureInvalid},
		{"not_base64", key, "v1:***", ts, body, now, toss.ErrSignatureInvalid},
		{"no_key_configured", "", sig, ts, body, now, toss.ErrSignatureInvalid},
		{"replayed_an_hour_later", key, sig, ts, body, at.Add(time.Hour), toss.ErrSignatureStale},
		{"from_the_future", key, sig, ts, body, at.Add(-time.Hour), toss.ErrSignatureStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := toss.VerifyWebhookSignature(tt.key, tt.body, tt.sig, tt.ts, tt.now, 5*time.Minute)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if !toss.SignedEvent("payout.changed") || !toss.SignedEvent("seller.changed") || toss.SignedEvent(toss.EventPaymentStatusChanged) {
		t.Fatal("signed event types")
	}
}

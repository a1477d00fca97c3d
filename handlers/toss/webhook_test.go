package toss_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/toss"
)

func TestWebhookRoundTrip(t *testing.T) {
	g := mustStartGateway(t)
	key := mustPaid(t, g, "order-hook", 2500)

	got := make(chan []byte, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	t.Cleanup(recv.Close)

	if err := g.fake.SendWebhook(context.Background(), recv.URL, key); err != nil {
		t.Fatal(err)
	}
	ev, err := toss.ParseWebhook(<-got)
	if err != nil {
		t.Fatal(err)
	}
	want := toss.WebhookEvent{EventType: toss.EventPaymentStatusChanged, CreatedAt: g.clock.Now(), PaymentKey: key, OrderID: "order-hook", Status: toss.StatusDone}
	if !ev.CreatedAt.Equal(want.CreatedAt) {
		t.Fatalf("createdAt %v, want %v", ev.CreatedAt, want.CreatedAt)
	}
	ev.CreatedAt = want.CreatedAt
	if ev != want {
		t.Fatalf("event = %+v, want %+v", ev, want)
	}
	if err := g.fake.SendWebhook(context.Background(), recv.URL, "unknown"); err == nil {
		t.Fatal("webhook for an unknown payment was sent")
	}
}

func TestParseWebhook(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		ok      bool
		created time.Time
		status  string
	}{
		{"ok_zoneless_time", `{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-03-14T12:30:00.000000","data":{"paymentKey":"pk","orderId":"order-1","status":"CANCELED"}}`,
			true, time.Date(2026, 3, 14, 3, 30, 0, 0, time.UTC), toss.StatusCanceled},
		{"ok_offset_time", `{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-03-14T12:30:00+09:00","data":{"paymentKey":"pk","orderId":"order-1","status":"DONE"}}`,
			true, time.Date(2026, 3, 14, 3, 30, 0, 0, time.UTC), toss.StatusDone},
		{"other_event", `{"eventType":"DEPOSIT_CALLBACK","data":{"secret":"x"}}`, true, time.Time{}, ""},
		{"not_json", `<xml/>`, false, time.Time{}, ""},
		{"no_event_type", `{"data":{"paymentKey":"pk","orderId":"order-1"}}`, false, time.Time{}, ""},
		{"no_payment_key", `{"eventType":"PAYMENT_STATUS_CHANGED","data":{"orderId":"order-1"}}`, false, time.Time{}, ""},
		{"bad_time", `{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"yesterday","data":{"paymentKey":"pk","orderId":"o"}}`, false, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := toss.ParseWebhook([]byte(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && (!ev.CreatedAt.Equal(tt.created) || ev.Status != tt.status) {
				t.Fatalf("event = %+v", ev)
			}
		})
	}
}

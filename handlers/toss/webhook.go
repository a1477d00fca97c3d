package toss

import (
	"encoding/json"
	"fmt"
	"time"
)

// EventPaymentStatusChanged is the eventType of a payment status webhook.
const EventPaymentStatusChanged = "PAYMENT_STATUS_CHANGED"

// WebhookEvent is what a webhook claims happened. It is a hint, not a fact.
type WebhookEvent struct {
	EventType  string
	CreatedAt  time.Time
	PaymentKey string
	OrderID    string
	Status     string
}

// webhookLayouts are the time formats webhooks use: the gateway sends
// createdAt without a zone (Korean time), payment times with an offset.
var webhookLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"}

// KST is Korean Standard Time, the gateway's zone for times sent without one.
var KST = time.FixedZone("KST", 9*60*60)

// ParseWebhook decodes a webhook body of the shape
// {"eventType","createdAt","data":{payment}}. For PAYMENT_STATUS_CHANGED it
// requires data.paymentKey and data.orderId; other event types are returned with
// only EventType and CreatedAt set so the caller can ignore them.
//
// Webhooks are unauthenticated: anyone can POST one. The caller must NOT trust
// the status (or anything else) in the event: it must re-fetch the payment with
// Client.Payment(ctx, ev.PaymentKey), check that its orderId and amount match
// its own order, and act on that answer only. A webhook for a payment that was
// already handled is normal (they are retried) and must be a no-op.
func ParseWebhook(body []byte) (WebhookEvent, error) {
	var w struct {
		EventType string `json:"eventType"`
		CreatedAt string `json:"createdAt"`
		Data      struct {
			PaymentKey string `json:"paymentKey"`
			OrderID    string `json:"orderId"`
			Status     string `json:"status"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return WebhookEvent{}, fmt.Errorf("toss: parse webhook: %w", err)
	}
	if w.EventType == "" {
		return WebhookEvent{}, fmt.Errorf("toss: parse webhook: no eventType")
	}
	ev := WebhookEvent{EventType: w.EventType}
	if w.CreatedAt != "" {
		t, err := parseWebhookTime(w.CreatedAt)
		if err != nil {
			return WebhookEvent{}, err
		}
		ev.CreatedAt = t
	}
	if w.EventType != EventPaymentStatusChanged {
		return ev, nil
	}
	if w.Data.PaymentKey == "" || w.Data.OrderID == "" {
		return WebhookEvent{}, fmt.Errorf("toss: parse webhook: %s without paymentKey or orderId", w.EventType)
	}
	ev.PaymentKey, ev.OrderID, ev.Status = w.Data.PaymentKey, w.Data.OrderID, w.Data.Status
	return ev, nil
}

func parseWebhookTime(s string) (time.Time, error) {
	for _, layout := range webhookLayouts {
		if t, err := time.ParseInLocation(layout, s, KST); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("toss: parse webhook: bad createdAt %q", s)
}

package tossfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/illuwa/illuwa/handlers/toss"
)

// SendWebhook POSTs a PAYMENT_STATUS_CHANGED event for the payment's current
// state to url, shaped like the real gateway's ({"eventType","createdAt" in
// Korean time without a zone,"data":{payment}}). It returns an error when the
// payment is unknown, the request fails, or the receiver answers non-2xx.
func (s *Server) SendWebhook(ctx context.Context, url, paymentKey string) error {
	s.mu.Lock()
	p := s.state.payments[paymentKey]
	var body []byte
	if p != nil {
		body = mustJSON(map[string]any{
			"eventType": "PAYMENT_STATUS_CHANGED",
			"createdAt": s.opts.Now().In(s.kst).Format("2006-01-02T15:04:05.000000"),
			"data":      s.render(p),
		})
	}
	s.mu.Unlock()
	if p == nil {
		return fmt.Errorf("tossfake: send webhook: no payment %q", paymentKey)
	}
	return s.post(ctx, url, body, nil)
}

// SendPayoutEvent POSTs a signed payout webhook (eventType payout.changed or
// seller.changed) to url, as the real gateway does: {"eventType",
// "createdAt","version","eventId","entityType","entityBody"} with the
// tosspayments-webhook-signature and -transmission-time headers made with
// Options.SecurityKey.
func (s *Server) SendPayoutEvent(ctx context.Context, url, eventType string, entityBody any) error {
	now := s.opts.Now()
	entity := "payout"
	if eventType == toss.EventSellerChanged {
		entity = "seller"
	}
	body := mustJSON(map[string]any{
		"eventType":  eventType,
		"createdAt":  now.In(s.kst).Format(time.RFC3339),
		"version":    "2022-11-16",
		"eventId":    fmt.Sprintf("evt_%d", now.UnixNano()),
		"entityType": entity,
		"entityBody": entityBody,
	})
	sig, at := toss.SignWebhook(s.opts.SecurityKey, body, now)
	return s.post(ctx, url, body, map[string]string{toss.SignatureHeader: sig, toss.TransmissionTimeHeader: at})
}

func (s *Server) post(ctx context.Context, url string, body []byte, headers map[string]string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("tossfake: send webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := s.opts.WebhookClient.Do(req)
	if err != nil {
		return fmt.Errorf("tossfake: send webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("tossfake: send webhook: receiver answered %d", resp.StatusCode)
	}
	return nil
}

// Dump returns everything the fake stores, as JSON: payments, billing keys and
// idempotency records (status, stored answer, body fingerprint). Tests use it to
// prove that no card number is kept; the demo can show it for debugging.
func (s *Server) Dump() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	type idemDump struct {
		Key         string          `json:"key"`
		Fingerprint []byte          `json:"fingerprint"`
		Status      int             `json:"status"`
		Body        json.RawMessage `json:"body"`
	}
	d := struct {
		Payments    []paymentJSON `json:"payments"`
		BillingKeys []billingJSON `json:"billingKeys"`
		Idempotency []idemDump    `json:"idempotency"`
	}{}
	for _, p := range s.state.payments {
		d.Payments = append(d.Payments, s.render(p))
	}
	for _, b := range s.state.billing {
		d.BillingKeys = append(d.BillingKeys, s.renderBilling(b))
	}
	for k, e := range s.idem {
		d.Idempotency = append(d.Idempotency, idemDump{k, e.fingerprint, e.status, e.body})
	}
	return mustJSON(d)
}

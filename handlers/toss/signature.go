package toss

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"
)

// Toss Payments signs only some webhook event types: the payout (지급대행)
// events payout.changed and seller.changed carry the headers below. Its
// developer guide ("웹훅 이벤트", docs.tosspayments.com/reference/using-api/webhook-events)
// describes them: tosspayments-webhook-signature holds "v1:" followed by a
// base64 HMAC-SHA256, keyed with the merchant's security key (보안 키), of
// "{payload}:{tosspayments-webhook-transmission-time}", where the payload is
// the request body as sent and the time is the header's text (an ISO 8601 time
// with its offset, 2024-09-05T12:19:21+09:00). Two "v1:" values, separated by
// a comma, are sent while keys rotate; either may match. Every other event
// type (PAYMENT_STATUS_CHANGED among them) comes unsigned; DEPOSIT_CALLBACK
// (virtual accounts, which this server does not offer) carries in its body
// the "secret" of the payment instead.
const (
	SignatureHeader        = "tosspayments-webhook-signature"
	TransmissionTimeHeader = "tosspayments-webhook-transmission-time"

	EventPayoutChanged = "payout.changed"
	EventSellerChanged = "seller.changed"
)

// Signature errors of VerifyWebhookSignature.
var (
	ErrSignatureInvalid = errors.New("toss: webhook signature missing or wrong")
	ErrSignatureStale   = errors.New("toss: webhook transmission time too far from now")
)

// SignedEvent reports whether the gateway signs webhooks of eventType.
func SignedEvent(eventType string) bool {
	return eventType == EventPayoutChanged || eventType == EventSellerChanged
}

func webhookMAC(securityKey string, payload []byte, transmitted string) []byte {
	m := hmac.New(sha256.New, []byte(securityKey))
	m.Write(payload)
	m.Write([]byte(":"))
	m.Write([]byte(transmitted))
	return m.Sum(nil)
}

// SignWebhook returns the two headers the gateway sends with a signed
// webhook body sent at at: the signature and the transmission time.
func SignWebhook(securityKey string, payload []byte, at time.Time) (signature, transmitted string) {
	transmitted = at.In(KST).Format(time.RFC3339)
	return "v1:" + base64.StdEncoding.EncodeToString(webhookMAC(securityKey, payload, transmitted)), transmitted
}

// VerifyWebhookSignature checks a signed webhook: one of the "v1:" values of
// signature must be the MAC of payload and transmitted under securityKey
// (ErrSignatureInvalid), and transmitted must be within tolerance of now
// (ErrSignatureStale), so a captured request cannot be replayed later.
func VerifyWebhookSignature(securityKey string, payload []byte, signature, transmitted string, now time.Time, tolerance time.Duration) error {
	if securityKey == "" || signature == "" || transmitted == "" {
		return ErrSignatureInvalid
	}
	want := webhookMAC(securityKey, payload, transmitted)
	ok := false
	for _, part := range strings.Split(signature, ",") {
		v, found := strings.CutPrefix(strings.TrimSpace(part), "v1:")
		if !found {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(v)
		if err == nil && hmac.Equal(got, want) {
			ok = true
		}
	}
	if !ok {
		return ErrSignatureInvalid
	}
	at, err := time.Parse(time.RFC3339, transmitted)
	if err != nil {
		return ErrSignatureInvalid
	}
	if d := now.Sub(at); d > tolerance || d < -tolerance {
		return ErrSignatureStale
	}
	return nil
}

package toss

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

const redacted = "[REDACTED]"

// redactCard shows at most the last four digits of a card number.
func redactCard(n string) string {
	if len(n) < 12 {
		if n == "" {
			return ""
		}
		return redacted
	}
	return "****" + n[len(n)-4:]
}

func redactAny(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// String describes the request with the card number reduced to its last four
// digits and the identity number hidden.
func (r BillingRequest) String() string {
	return fmt.Sprintf("BillingRequest{CustomerKey:%q CardNumber:%q ExpYear:%q ExpMonth:%q CustomerIdentityNumber:%q}",
		r.CustomerKey, redactCard(r.CardNumber), r.ExpYear, r.ExpMonth, redactAny(r.CustomerIdentityNumber))
}

// Format prints the redacted String for every fmt verb (%v, %+v, %#v, %s, %q…),
// so no formatting path can reveal the card number.
func (r BillingRequest) Format(f fmt.State, verb rune) {
	_, _ = io.WriteString(f, r.String())
}

// LogValue makes log/slog record the request redacted.
func (r BillingRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("customer_key", r.CustomerKey),
		slog.String("card_number", redactCard(r.CardNumber)),
		slog.String("exp_year", r.ExpYear),
		slog.String("exp_month", r.ExpMonth),
		slog.String("customer_identity_number", redactAny(r.CustomerIdentityNumber)),
	)
}

// MarshalJSON encodes the request redacted, so a BillingRequest dumped as JSON
// (in a log line, a debug endpoint) leaks nothing. The client builds the real
// request body separately.
func (r BillingRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{
		"customerKey":            r.CustomerKey,
		"cardNumber":             redactCard(r.CardNumber),
		"cardExpirationYear":     r.ExpYear,
		"cardExpirationMonth":    r.ExpMonth,
		"customerIdentityNumber": redactAny(r.CustomerIdentityNumber),
	})
}

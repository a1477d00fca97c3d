package tossfake

import (
	"path"
	"strings"
)

// RedactPath returns path (as the fake sees it, without a mount prefix) with
// the billing and payment keys it carries replaced by {billingKey} and
// {paymentKey}, so it can be logged: a billing key charges the card it names.
// Other paths come back unchanged.
// The path is cleaned first ("//v1/billing/k" reaches the same handler).
func RedactPath(p string) string {
	p = path.Clean("/" + p)
	seg := strings.Split(p, "/")
	// seg[0] is "" and seg[1] "v1" for every API path.
	if len(seg) < 4 || seg[0] != "" || seg[1] != "v1" {
		return p
	}
	switch {
	case seg[2] == "billing" && seg[3] != "authorizations":
		seg[3] = "{billingKey}"
	case seg[2] == "payments" && seg[3] != "confirm" && seg[3] != "orders":
		seg[3] = "{paymentKey}"
	}
	return strings.Join(seg, "/")
}

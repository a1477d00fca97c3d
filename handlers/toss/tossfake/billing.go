package tossfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// issueBillingKey registers a card: POST /v1/billing/authorizations/card.
// The card number and identity number are checked and forgotten; only the
// masked number and issuer are kept.
func (s *Server) issueBillingKey(r *http.Request, body []byte) answer {
	var in struct {
		CustomerKey            string `json:"customerKey"`
		CardNumber             string `json:"cardNumber"`
		CardExpirationYear     string `json:"cardExpirationYear"`
		CardExpirationMonth    string `json:"cardExpirationMonth"`
		CustomerIdentityNumber string `json:"customerIdentityNumber"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return errAnswer(400, "INVALID_REQUEST", "body is not the expected JSON")
	}
	if len(in.CustomerKey) < 2 || len(in.CustomerKey) > 300 {
		return errAnswer(400, "INVALID_REQUEST", "customerKey must be 2-300 characters")
	}
	if id := in.CustomerIdentityNumber; id != "" && (!allDigits(id) || (len(id) != 6 && len(id) != 10)) {
		return errAnswer(400, "INVALID_REQUEST", "customerIdentityNumber must be 6 or 10 digits")
	}
	n, ok := normalizeCard(in.CardNumber)
	if !ok {
		return errAnswer(400, "INVALID_CARD_NUMBER", "card number must be 13-19 digits")
	}
	if !s.validExpiry(in.CardExpirationYear, in.CardExpirationMonth) {
		return errAnswer(400, "INVALID_CARD_EXPIRATION", "the card expiry is invalid or past")
	}
	c := newCard(n)
	if c.declined {
		return errAnswer(403, "REJECT_CARD_PAYMENT", "the card was declined")
	}
	b := &billing{key: randomKey("bfake_", 24), customerKey: in.CustomerKey, card: c, authenticatedAt: s.opts.Now()}
	s.state.billing[b.key] = b
	return answer{200, s.renderBilling(b)}
}

// validExpiry accepts a two-digit year and month not before the current month.
func (s *Server) validExpiry(yy, mm string) bool {
	if len(yy) != 2 || len(mm) != 2 || !allDigits(yy) || !allDigits(mm) {
		return false
	}
	y, _ := strconv.Atoi(yy)
	m, _ := strconv.Atoi(mm)
	if m < 1 || m > 12 {
		return false
	}
	now := s.opts.Now().In(s.kst)
	return time.Date(2000+y, time.Month(m)+1, 1, 0, 0, 0, 0, s.kst).After(now)
}

// deleteBillingKey is DELETE /v1/billing/{billingKey}.
func (s *Server) deleteBillingKey(r *http.Request, _ []byte) answer {
	key := r.PathValue("billingKey")
	if s.state.billing[key] == nil {
		return errAnswer(404, "NOT_FOUND_BILLING_KEY", "no such billing key")
	}
	delete(s.state.billing, key)
	return answer{200, map[string]string{"billingKey": key}}
}

// chargeBillingKey charges a saved card: POST /v1/billing/{billingKey}
// {customerKey, amount, orderId, orderName} → the payment, DONE at once. A
// declining card answers 403 REJECT_CARD_PAYMENT (the payment is ABORTED);
// an order already paid answers 400 ALREADY_PROCESSED_PAYMENT.
func (s *Server) chargeBillingKey(r *http.Request, body []byte) answer {
	var in struct {
		CustomerKey string `json:"customerKey"`
		Amount      int64  `json:"amount"`
		OrderID     string `json:"orderId"`
		OrderName   string `json:"orderName"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.CustomerKey == "" || in.OrderName == "" {
		return errAnswer(400, "INVALID_REQUEST", "customerKey, amount, orderId and orderName are required")
	}
	if !orderIDPattern.MatchString(in.OrderID) {
		return errAnswer(400, "INVALID_REQUEST", "orderId must be 6-64 characters of A-Z a-z 0-9 - _")
	}
	if in.Amount <= 0 {
		return errAnswer(400, "INVALID_REQUEST", "amount must be positive")
	}
	b := s.state.billing[r.PathValue("billingKey")]
	if b == nil {
		return errAnswer(404, "NOT_FOUND_BILLING_KEY", "no such billing key")
	}
	if b.customerKey != in.CustomerKey {
		return errAnswer(403, "INVALID_CUSTOMER_KEY", "the billing key belongs to another customer")
	}
	if prev := s.state.payments[s.state.byOrder[in.OrderID]]; prev != nil && prev.status != "READY" &&
		prev.status != "ABORTED" && prev.status != "EXPIRED" {
		return errAnswer(400, "ALREADY_PROCESSED_PAYMENT", "the order was already paid")
	}
	now := s.opts.Now()
	p := &payment{key: randomKey("tfake_", 15), orderID: in.OrderID, orderName: in.OrderName,
		amount: in.Amount, status: "ABORTED", requestedAt: now, card: b.card}
	s.state.payments[p.key] = p
	s.state.byOrder[p.orderID] = p.key
	if b.card.declined || b.card.exhausted {
		return errAnswer(403, "REJECT_CARD_PAYMENT", "the card was declined")
	}
	p.status, p.approvedAt, p.balance = "DONE", now, p.amount
	p.lastTx = randomKey("tx_", 12)
	s.charge++
	return answer{200, s.render(p)}
}

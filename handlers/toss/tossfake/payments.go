package tossfake

import (
	"encoding/json"
	"net/http"
	"regexp"
)

// orderIDPattern is the gateway's rule for merchant order ids.
var orderIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{6,64}$`)

// checkoutRequest is what the fake widget posts. Exactly what a browser holds:
// the card number (or a billing key) goes to the gateway, never to the merchant.
type checkoutRequest struct {
	OrderID    string `json:"orderId"`
	OrderName  string `json:"orderName"`
	Amount     int64  `json:"amount"`
	CardNumber string `json:"cardNumber"`
	CVC        string `json:"cvc"`
	BillingKey string `json:"billingKey"`
}

// checkout opens a READY payment: POST /v1/fake/checkout → {paymentKey}.
// Without a card number or billing key, ApprovedCard is used. A new checkout
// for an order whose earlier payment never completed replaces it.
func (s *Server) checkout(r *http.Request, body []byte) answer {
	var in checkoutRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return errAnswer(400, "INVALID_REQUEST", "body is not the expected JSON")
	}
	if !orderIDPattern.MatchString(in.OrderID) {
		return errAnswer(400, "INVALID_REQUEST", "orderId must be 6-64 characters of A-Z a-z 0-9 - _")
	}
	if in.Amount <= 0 {
		return errAnswer(400, "INVALID_REQUEST", "amount must be positive")
	}
	if in.CVC != "" && (!allDigits(in.CVC) || len(in.CVC) < 3 || len(in.CVC) > 4) {
		return errAnswer(400, "INVALID_REQUEST", "cvc must be 3 or 4 digits")
	}
	var c card
	switch {
	case in.BillingKey != "":
		b := s.state.billing[in.BillingKey]
		if b == nil {
			return errAnswer(404, "NOT_FOUND_BILLING_KEY", "no such billing key")
		}
		c = b.card
	default:
		number := in.CardNumber
		if number == "" {
			number = ApprovedCard
		}
		n, ok := normalizeCard(number)
		if !ok {
			return errAnswer(400, "INVALID_CARD_NUMBER", "card number must be 13-19 digits")
		}
		c = newCard(n)
	}
	if prev := s.state.payments[s.state.byOrder[in.OrderID]]; prev != nil {
		if prev.status != "READY" && prev.status != "ABORTED" && prev.status != "EXPIRED" {
			return errAnswer(400, "DUPLICATED_ORDER_ID", "the order was already paid")
		}
		if prev.status == "READY" {
			prev.status = "EXPIRED"
		}
	}
	name := in.OrderName
	if name == "" {
		name = "order " + in.OrderID
	}
	p := &payment{
		key: randomKey("tfake_", 15), orderID: in.OrderID, orderName: name,
		amount: in.Amount, status: "READY", requestedAt: s.opts.Now(), card: c,
	}
	s.state.payments[p.key] = p
	s.state.byOrder[p.orderID] = p.key
	return answer{200, map[string]any{"paymentKey": p.key, "orderId": p.orderID, "amount": p.amount}}
}

// confirm approves a READY payment: POST /v1/payments/confirm.
func (s *Server) confirm(r *http.Request, body []byte) answer {
	var in struct {
		PaymentKey string `json:"paymentKey"`
		OrderID    string `json:"orderId"`
		Amount     int64  `json:"amount"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.PaymentKey == "" || in.OrderID == "" {
		return errAnswer(400, "INVALID_REQUEST", "paymentKey, orderId and amount are required")
	}
	p := s.state.payments[in.PaymentKey]
	if p == nil || p.orderID != in.OrderID {
		return errAnswer(404, "NOT_FOUND_PAYMENT_SESSION", "no payment session for this paymentKey and orderId")
	}
	now := s.opts.Now()
	if p.status == "READY" && now.Sub(p.requestedAt) > s.opts.SessionTTL {
		p.status = "EXPIRED"
	}
	switch p.status {
	case "READY":
	case "EXPIRED":
		return errAnswer(404, "NOT_FOUND_PAYMENT_SESSION", "the payment session expired")
	case "ABORTED":
		return errAnswer(403, "REJECT_CARD_PAYMENT", "the card was declined")
	default:
		return errAnswer(400, "ALREADY_PROCESSED_PAYMENT", "the payment was already processed")
	}
	if in.Amount != p.amount {
		return errAnswer(400, "INVALID_AMOUNT", "amount does not match the checkout amount")
	}
	if p.card.declined {
		p.status = "ABORTED"
		return errAnswer(403, "REJECT_CARD_PAYMENT", "the card was declined")
	}
	p.status, p.approvedAt, p.balance = "DONE", now, p.amount
	p.lastTx = randomKey("tx_", 12)
	s.charge++
	return answer{200, s.render(p)}
}

// cancel refunds all or part of the balance: POST /v1/payments/{paymentKey}/cancel.
func (s *Server) cancel(r *http.Request, body []byte) answer {
	var in struct {
		CancelReason string `json:"cancelReason"`
		CancelAmount *int64 `json:"cancelAmount"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.CancelReason == "" || len(in.CancelReason) > 200 {
		return errAnswer(400, "INVALID_REQUEST", "cancelReason (1-200 characters) is required")
	}
	p := s.state.payments[r.PathValue("paymentKey")]
	if p == nil {
		return errAnswer(404, "NOT_FOUND_PAYMENT", "no such payment")
	}
	switch p.status {
	case "DONE", "PARTIAL_CANCELED":
	case "CANCELED":
		return errAnswer(400, "ALREADY_CANCELED_PAYMENT", "the payment is already cancelled")
	default:
		return errAnswer(403, "NOT_CANCELABLE_PAYMENT", "the payment is not approved")
	}
	amount := p.balance
	if in.CancelAmount != nil {
		amount = *in.CancelAmount
	}
	if amount <= 0 || amount > p.balance {
		return errAnswer(400, "NOT_CANCELABLE_AMOUNT", "cancelAmount must be positive and at most the balance")
	}
	tx := randomKey("tx_", 12)
	p.cancels = append(p.cancels, cancelRecord{amount, in.CancelReason, s.opts.Now(), tx})
	p.balance -= amount
	p.lastTx = tx
	p.status = "PARTIAL_CANCELED"
	if p.balance == 0 {
		p.status = "CANCELED"
	}
	return answer{200, s.render(p)}
}

// paymentByKey is GET /v1/payments/{paymentKey}.
func (s *Server) paymentByKey(r *http.Request, _ []byte) answer {
	return s.lookup(r.PathValue("paymentKey"))
}

// paymentByOrder is GET /v1/payments/orders/{orderId}: the latest payment of the order.
func (s *Server) paymentByOrder(r *http.Request, _ []byte) answer {
	return s.lookup(s.state.byOrder[r.PathValue("orderId")])
}

func (s *Server) lookup(key string) answer {
	p := s.state.payments[key]
	if p == nil {
		return errAnswer(404, "NOT_FOUND_PAYMENT", "no such payment")
	}
	if p.status == "READY" && s.opts.Now().Sub(p.requestedAt) > s.opts.SessionTTL {
		p.status = "EXPIRED"
	}
	return answer{200, s.render(p)}
}

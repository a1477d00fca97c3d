package toss

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// Payment statuses as the gateway reports them.
const (
	StatusReady           = "READY"
	StatusInProgress      = "IN_PROGRESS"
	StatusDone            = "DONE"
	StatusCanceled        = "CANCELED"
	StatusPartialCanceled = "PARTIAL_CANCELED"
	StatusAborted         = "ABORTED"
	StatusExpired         = "EXPIRED"
)

// MethodCard is the Method value of a card payment (the gateway answers in Korean).
const MethodCard = "카드"

// Payment is the gateway's view of one payment. Amounts are in KRW (won).
// BalanceAmount is what is still cancellable; ApprovedAt is zero until the
// payment was approved. Card holds only the masked number the gateway returns.
type Payment struct {
	PaymentKey    string    `json:"paymentKey"`
	OrderID       string    `json:"orderId"`
	Status        string    `json:"status"`
	TotalAmount   int64     `json:"totalAmount"`
	BalanceAmount int64     `json:"balanceAmount"`
	Method        string    `json:"method"`
	ApprovedAt    time.Time `json:"approvedAt"`
	Card          *CardInfo `json:"card,omitempty"`
	Cancels       []Cancel  `json:"cancels"`
}

// CardInfo describes a card without its number: IssuerCode is the gateway's
// two-character issuer code (e.g. "4V" VISA, "4M" Mastercard, "61" Hyundai),
// Company the brand or issuer name when the gateway gives one (billing keys) or
// when the code is known, Number the masked number as returned (e.g.
// "433012******1234"), CardType "신용" (credit), "체크" (debit) or "기프트".
type CardInfo struct {
	IssuerCode string `json:"issuerCode"`
	Company    string `json:"company,omitempty"`
	Number     string `json:"number"`
	CardType   string `json:"cardType"`
}

// Cancel is one (full or partial) cancellation of a payment.
type Cancel struct {
	CancelAmount   int64     `json:"cancelAmount"`
	CancelReason   string    `json:"cancelReason"`
	CanceledAt     time.Time `json:"canceledAt"`
	TransactionKey string    `json:"transactionKey"`
}

// ConfirmRequest confirms (approves) a payment the checkout widget prepared.
// Amount must equal the amount the checkout was opened with, and the caller
// must take it from its own order, never from the browser's redirect.
type ConfirmRequest struct {
	PaymentKey string `json:"paymentKey"`
	OrderID    string `json:"orderId"`
	Amount     int64  `json:"amount"`
}

// CancelRequest cancels a payment: Amount 0 cancels the whole balance, a
// positive Amount cancels that much (a partial cancel). Reason is required.
type CancelRequest struct {
	Reason string
	Amount int64
}

// Confirm approves the payment (POST /v1/payments/confirm) and returns it with
// status DONE. A declined card is an *Error with CodeRejectCardPayment
// (ErrRejected); CodeAlreadyProcessedPayment means an earlier confirm already
// decided it (look it up). ErrUnavailable means the card may or may not have
// been charged: retry with the same idemKey or look the payment up.
func (c *Client) Confirm(ctx context.Context, idemKey string, r ConfirmRequest) (*Payment, error) {
	if err := checkIdemKey(idemKey); err != nil {
		return nil, err
	}
	if r.PaymentKey == "" || r.OrderID == "" || r.Amount <= 0 {
		return nil, fmt.Errorf("toss: confirm needs a payment key, an order id and a positive amount: %w", ErrInvalidArgument)
	}
	var p Payment
	if err := c.do(ctx, "POST", "/v1/payments/confirm", idemKey, r, &p); err != nil {
		return nil, err
	}
	fillCompany(p.Card)
	return &p, nil
}

// Cancel cancels the payment fully or partly (POST
// /v1/payments/{paymentKey}/cancel) and returns it with the new balance and the
// cancellation appended to Cancels. Status becomes CANCELED when the balance
// reaches zero and PARTIAL_CANCELED otherwise. ErrUnavailable means the refund
// may or may not have happened: retry with the same idemKey.
func (c *Client) Cancel(ctx context.Context, idemKey, paymentKey string, r CancelRequest) (*Payment, error) {
	if err := checkIdemKey(idemKey); err != nil {
		return nil, err
	}
	if paymentKey == "" || r.Reason == "" || r.Amount < 0 {
		return nil, fmt.Errorf("toss: cancel needs a payment key, a reason and an amount >= 0: %w", ErrInvalidArgument)
	}
	body := struct {
		CancelReason string `json:"cancelReason"`
		CancelAmount int64  `json:"cancelAmount,omitempty"`
	}{r.Reason, r.Amount}
	var p Payment
	if err := c.do(ctx, "POST", "/v1/payments/"+url.PathEscape(paymentKey)+"/cancel", idemKey, body, &p); err != nil {
		return nil, err
	}
	fillCompany(p.Card)
	return &p, nil
}

// Payment looks a payment up by its key (GET /v1/payments/{paymentKey}). An
// unknown key is an *Error with CodeNotFoundPayment.
func (c *Client) Payment(ctx context.Context, paymentKey string) (*Payment, error) {
	if paymentKey == "" {
		return nil, fmt.Errorf("toss: payment key is required: %w", ErrInvalidArgument)
	}
	return c.lookup(ctx, "/v1/payments/"+url.PathEscape(paymentKey))
}

// PaymentByOrderID looks a payment up by the merchant's order id (GET
// /v1/payments/orders/{orderId}); it is how a caller reconciles after an
// ErrUnavailable when it never learned the payment key.
func (c *Client) PaymentByOrderID(ctx context.Context, orderID string) (*Payment, error) {
	if orderID == "" {
		return nil, fmt.Errorf("toss: order id is required: %w", ErrInvalidArgument)
	}
	return c.lookup(ctx, "/v1/payments/orders/"+url.PathEscape(orderID))
}

func (c *Client) lookup(ctx context.Context, path string) (*Payment, error) {
	var p Payment
	if err := c.do(ctx, "GET", path, "", nil, &p); err != nil {
		return nil, err
	}
	fillCompany(p.Card)
	return &p, nil
}

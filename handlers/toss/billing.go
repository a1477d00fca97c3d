package toss

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// BillingRequest registers a card for recurring or one-click charges (a
// billing key). CardNumber is digits (spaces and dashes are tolerated by the
// gateway), ExpYear two digits ("28"), ExpMonth two digits ("07").
// CustomerIdentityNumber is the holder's birth date (YYMMDD) or business
// registration number; the production gateway requires it.
//
// The card number and identity number never leave this value except in the
// request body to the gateway: String, Format (every fmt verb), LogValue (slog)
// and MarshalJSON all print them redacted.
type BillingRequest struct {
	CustomerKey            string
	CardNumber             string
	ExpYear                string
	ExpMonth               string
	CustomerIdentityNumber string
}

// BillingKey is a registered card: the key to charge it with, the customer it
// belongs to, and the card as the gateway describes it (masked number only).
type BillingKey struct {
	BillingKey      string
	CustomerKey     string
	Card            CardInfo
	AuthenticatedAt time.Time
}

// billingWire is the body of POST /v1/billing/authorizations/card.
type billingWire struct {
	CustomerKey            string `json:"customerKey"`
	CardNumber             string `json:"cardNumber"`
	CardExpirationYear     string `json:"cardExpirationYear"`
	CardExpirationMonth    string `json:"cardExpirationMonth"`
	CustomerIdentityNumber string `json:"customerIdentityNumber,omitempty"`
}

// billingAnswer is the gateway's billing object.
type billingAnswer struct {
	CustomerKey     string    `json:"customerKey"`
	AuthenticatedAt time.Time `json:"authenticatedAt"`
	BillingKey      string    `json:"billingKey"`
	CardCompany     string    `json:"cardCompany"`
	CardNumber      string    `json:"cardNumber"`
	Card            *CardInfo `json:"card"`
}

// IssueBillingKey registers the card and returns its billing key (POST
// /v1/billing/authorizations/card). A card the issuer refuses is an *Error
// (ErrRejected) with CodeRejectCardPayment, CodeInvalidCardNumber or
// CodeInvalidCardExpiration. ErrUnavailable means a key may have been issued;
// retry with the same idemKey to get it.
func (c *Client) IssueBillingKey(ctx context.Context, idemKey string, r BillingRequest) (*BillingKey, error) {
	if err := checkIdemKey(idemKey); err != nil {
		return nil, err
	}
	if r.CustomerKey == "" || r.CardNumber == "" || r.ExpYear == "" || r.ExpMonth == "" {
		return nil, fmt.Errorf("toss: billing key needs a customer key, a card number and an expiry: %w", ErrInvalidArgument)
	}
	in := billingWire{r.CustomerKey, r.CardNumber, r.ExpYear, r.ExpMonth, r.CustomerIdentityNumber}
	var a billingAnswer
	if err := c.do(ctx, "POST", "/v1/billing/authorizations/card", idemKey, in, &a); err != nil {
		return nil, err
	}
	k := &BillingKey{BillingKey: a.BillingKey, CustomerKey: a.CustomerKey, AuthenticatedAt: a.AuthenticatedAt}
	if a.Card != nil {
		k.Card = *a.Card
	}
	if k.Card.Number == "" {
		k.Card.Number = a.CardNumber
	}
	if a.CardCompany != "" {
		k.Card.Company = a.CardCompany
	}
	fillCompany(&k.Card)
	return k, nil
}

// DeleteBillingKey removes a billing key (DELETE /v1/billing/{billingKey}); it
// can no longer be charged. An unknown or already deleted key is an *Error with
// CodeNotFoundBillingKey (ErrRejected), which a caller deleting its own record
// may treat as done.
func (c *Client) DeleteBillingKey(ctx context.Context, idemKey, billingKey string) error {
	if err := checkIdemKey(idemKey); err != nil {
		return err
	}
	if billingKey == "" {
		return fmt.Errorf("toss: billing key is required: %w", ErrInvalidArgument)
	}
	return c.do(ctx, "DELETE", "/v1/billing/"+url.PathEscape(billingKey), idemKey, nil, nil)
}

// BillingChargeRequest is a charge of a saved card (POST /v1/billing/{billingKey}).
type BillingChargeRequest struct {
	CustomerKey string `json:"customerKey"`
	Amount      int64  `json:"amount"`
	OrderID     string `json:"orderId"`
	OrderName   string `json:"orderName"`
}

// ChargeBillingKey charges the card behind billingKey for an order (POST
// /v1/billing/{billingKey}) and returns the payment, DONE when approved. A
// decline is ErrRejected (CodeRejectCardPayment and the like); ErrUnavailable
// means the card may have been charged: retry with the same idemKey, or look
// the order up.
func (c *Client) ChargeBillingKey(ctx context.Context, idemKey, billingKey string, r BillingChargeRequest) (*Payment, error) {
	if err := checkIdemKey(idemKey); err != nil {
		return nil, err
	}
	if billingKey == "" || r.CustomerKey == "" || r.OrderID == "" || r.Amount <= 0 || r.OrderName == "" {
		return nil, fmt.Errorf("toss: billing charge needs a key, a customer key, an order id and name and a positive amount: %w", ErrInvalidArgument)
	}
	var p Payment
	if err := c.do(ctx, "POST", "/v1/billing/"+url.PathEscape(billingKey), idemKey, r, &p); err != nil {
		return nil, err
	}
	fillCompany(p.Card)
	return &p, nil
}

package handlers

import (
	"context"

	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/toss"
)

// PaymentProvider is what the handlers need of the card payment gateway; a
// *toss.Client satisfies it. Errors follow toss's classes: toss.ErrRejected
// (nothing happened) and toss.ErrUnavailable (unknown outcome: look it up).
type PaymentProvider interface {
	Confirm(ctx context.Context, idemKey string, r toss.ConfirmRequest) (*toss.Payment, error)
	Cancel(ctx context.Context, idemKey, paymentKey string, r toss.CancelRequest) (*toss.Payment, error)
	Payment(ctx context.Context, paymentKey string) (*toss.Payment, error)
	PaymentByOrderID(ctx context.Context, orderID string) (*toss.Payment, error)
	IssueBillingKey(ctx context.Context, idemKey string, r toss.BillingRequest) (*toss.BillingKey, error)
	DeleteBillingKey(ctx context.Context, idemKey, billingKey string) error
}

var _ PaymentProvider = (*toss.Client)(nil)

// Pusher sends real-time hints to users' screens (see notify.Pusher).
type Pusher = notify.Pusher

// Package ordering is the order flow: placing an order priced from the menu,
// paying it through the card gateway, the owner's and the customer's actions
// on it, refunds, the background workers that settle what a request left
// open, the acknowledgements of owner screens and POS devices, and a stall's
// sales and monthly settlement. Every way in (REST, WebSocket, the POS,
// GraphQL) calls this one service.
//
// It speaks no HTTP: its refusals are the sentinel errors below (with
// check.Explained around them when a detail or fields must reach the user),
// store.ErrNotFound for what the caller may not see, and *check.Error for
// invalid fields.
package ordering

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/store"
)

// The refusals of the order flow.
var (
	ErrPochaClosed     = errors.New("ordering: the stall takes no orders now")
	ErrAmountMismatch  = errors.New("ordering: the amount is not the order's total")
	ErrNotPayable      = errors.New("ordering: the order cannot be paid in its status")
	ErrAlreadyPaid     = errors.New("ordering: the order is already paid")
	ErrInProgress      = errors.New("ordering: a payment of this order is being processed")
	ErrDeclined        = errors.New("ordering: the card payment was declined")
	ErrOutcomeUnknown  = errors.New("ordering: the gateway did not answer; the payment will be checked")
	ErrGatewayMismatch = errors.New("ordering: the gateway's answer does not match the order; it will be checked")
	ErrPaymentsOff     = errors.New("ordering: card payments are not configured")
	ErrCardRejected    = errors.New("ordering: the gateway refused the card")
	ErrGatewayDown     = errors.New("ordering: the payment gateway did not answer")
	ErrLookupFailed    = errors.New("ordering: the payment could not be looked up at the gateway")
	ErrMalformedEvent  = errors.New("ordering: the body is not a gateway event")
	ErrBadSignature    = errors.New("ordering: the gateway event's signature is missing or wrong")
	ErrStaleSignature  = errors.New("ordering: the gateway event was signed too long ago (or ahead)")
	ErrNotApplied      = errors.New("ordering: the payment could not be applied; retry later")
	ErrAckAnonymous    = errors.New("ordering: log in to acknowledge orders")
	ErrNoSuchAck       = errors.New("ordering: no such order at your stalls")
)

// Retryable reports whether a confirm that failed with err may succeed when
// sent again as it is: the outcome is open (in progress, unknown, mismatched),
// payments are off for now, or the failure was ours. A retry of anything
// else gets the same answer, so an idempotent replay may keep it.
func Retryable(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, ErrInProgress), errors.Is(err, ErrOutcomeUnknown), errors.Is(err, ErrGatewayMismatch),
		errors.Is(err, ErrPaymentsOff):
		return true
	case errors.Is(err, store.ErrNotFound), errors.Is(err, ErrAmountMismatch), errors.Is(err, ErrNotPayable),
		errors.Is(err, ErrAlreadyPaid), errors.Is(err, ErrDeclined):
		return false
	}
	return true
}

// Provider is what the order flow needs of the card payment gateway; a
// *toss.Client satisfies it. Errors follow toss's classes: toss.ErrRejected
// (nothing happened) and toss.ErrUnavailable (unknown outcome: look it up).
type Provider interface {
	Confirm(ctx context.Context, idemKey string, r toss.ConfirmRequest) (*toss.Payment, error)
	Cancel(ctx context.Context, idemKey, paymentKey string, r toss.CancelRequest) (*toss.Payment, error)
	Payment(ctx context.Context, paymentKey string) (*toss.Payment, error)
	PaymentByOrderID(ctx context.Context, orderID string) (*toss.Payment, error)
	IssueBillingKey(ctx context.Context, idemKey string, r toss.BillingRequest) (*toss.BillingKey, error)
	DeleteBillingKey(ctx context.Context, idemKey, billingKey string) error
	ChargeBillingKey(ctx context.Context, idemKey, billingKey string, r toss.BillingChargeRequest) (*toss.Payment, error)
}

var _ Provider = (*toss.Client)(nil)

// Options tune the order flow. The zero value of each field means its default.
type Options struct {
	AcceptTimeout  time.Duration // a paid order not accepted within this is cancelled and refunded; default 10 minutes
	WorkerInterval time.Duration // how often Run sweeps timeouts, refunds and unknown payments; default 5 s
	PaymentFeeRate float64       // the gateway's fee as a fraction of each order (0.033 = 3.3%); default 0.033
	PaymentTimeout time.Duration // bound on one call to the payment gateway; default 30 s, at most 1 minute
	UnpaidTTL      time.Duration // an order not paid within this of being placed is cancelled; default 30 minutes
	// WebhookSecurityKey is the gateway's security key (보안 키) that signs
	// the webhook event types that carry a signature (toss.SignedEvent);
	// empty refuses those events, which cannot then be checked.
	WebhookSecurityKey string
	// WebhookTolerance is how far from now a signed event's transmission
	// time may be; default 5 minutes.
	WebhookTolerance time.Duration
	// Hook, for tests only, is called at the Hook* points of a confirm with
	// the order id; a hook that never returns (or ends its goroutine) stops
	// the confirm there as a killed process would.
	Hook func(point string, orderID uint64)
}

func (o Options) withDefaults() Options {
	if o.AcceptTimeout <= 0 {
		o.AcceptTimeout = 10 * time.Minute
	}
	if o.WorkerInterval <= 0 {
		o.WorkerInterval = 5 * time.Second
	}
	if o.PaymentFeeRate <= 0 {
		o.PaymentFeeRate = 0.033
	}
	if o.UnpaidTTL <= 0 {
		o.UnpaidTTL = 30 * time.Minute
	}
	if o.WebhookTolerance <= 0 {
		o.WebhookTolerance = 5 * time.Minute
	}
	if o.PaymentTimeout <= 0 {
		o.PaymentTimeout = 30 * time.Second
	}
	// A gateway call ends within a minute: the reconciler waits that long
	// after finding nothing for a confirm whose instance stopped renewing its
	// lease before it says nothing was charged.
	o.PaymentTimeout = min(o.PaymentTimeout, time.Minute)
	return o
}

// Deps are what the order flow needs. Store and Log are required. A nil
// Payments turns card payments off (ErrPaymentsOff); a nil Push sends no
// real-time hints; a nil Notes stores notifications without pushing them.
type Deps struct {
	Store    *store.Store
	Payments Provider
	Push     notify.Pusher
	Notes    *notify.Notifier
	Log      *slog.Logger
	Options  Options
	Now      func() time.Time // the clock of the workers; nil is time.Now
	// Gate may stop an open stall from taking orders (nobody is watching
	// it); nil lets every open stall take them.
	Gate Gate
}

// Service is the order flow.
type Service struct {
	store *store.Store
	pay   Provider
	push  notify.Pusher
	notes *notify.Notifier
	log   *slog.Logger
	opts  Options
	now   func() time.Time
	gate  Gate
}

// New builds the order flow.
func New(d Deps) *Service {
	s := &Service{store: d.Store, pay: d.Payments, push: d.Push, notes: d.Notes, log: d.Log, opts: d.Options.withDefaults(), now: d.Now,
		gate: d.Gate}
	if s.notes == nil {
		s.notes = notify.New(d.Store, d.Push, nil, d.Log)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// SetGate sets the Gate after New (the gate's service may be built later).
func (s *Service) SetGate(g Gate) { s.gate = g }

// PaymentsOn reports whether card payments are configured.
func (s *Service) PaymentsOn() bool { return s.pay != nil }

// FeeRate is the gateway's fee rate used in settlements.
func (s *Service) FeeRate() float64 { return s.opts.PaymentFeeRate }

// IdempotencyLease is how long a claimed Idempotency-Key of a confirm may stay
// without an answer before a retry with the same request takes it over: far
// longer than a living confirm takes (its gateway call is bounded by
// PaymentTimeout), so only a request whose process died is taken over.
// Running it again is safe: the gateway key is derived from the order.
func (s *Service) IdempotencyLease(wait time.Duration) time.Duration {
	return max(2*time.Minute, 2*s.opts.PaymentTimeout+wait)
}

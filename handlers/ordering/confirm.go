package ordering

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/store"
)

// Payment is a customer's request to confirm the card payment of an order
// that the gateway's checkout approved.
type Payment struct {
	OrderID    uint64 `json:"order_id"`
	PaymentKey string `json:"payment_key"`
	Amount     int64  `json:"amount"`
}

// Validate checks the request's fields.
func (r Payment) Validate() error {
	var cs check.Fields
	cs.Add(r.OrderID == 0, "order_id", "required")
	cs.Add(r.PaymentKey == "" || len(r.PaymentKey) > 200, "payment_key", "required, at most 200 characters")
	cs.Add(r.Amount <= 0, "amount", "must be a positive number of won")
	return cs.Err()
}

// notPayable explains why an order in status cannot be paid.
func notPayable(status string) error {
	return check.Explain(ErrNotPayable, "the order is "+status+" and cannot be paid")
}

// Confirm confirms the gateway payment of the customer's order. The amount
// must be the order's total; the gateway is called with an Idempotency-Key
// derived from the order (and the attempt, used up only by a decline), so a
// repeated confirm never charges twice. A DONE answer matching the order
// makes it paid (and reaches the owner); a decline is ErrDeclined with the
// gateway's message; no clear answer is ErrOutcomeUnknown and the reconciler
// settles it. Confirming a paid order again with the same payment key
// answers the payment again.
func (s *Service) Confirm(ctx context.Context, customerID uint64, req Payment) (Confirmed, error) {
	if err := req.Validate(); err != nil {
		return Confirmed{}, err
	}
	o, err := s.store.OrderByID(ctx, req.OrderID)
	if err == nil && o.CustomerID != customerID {
		err = store.ErrNotFound
	}
	if err != nil {
		return Confirmed{}, err
	}
	if req.Amount != o.Total {
		return Confirmed{}, &check.Explained{Err: ErrAmountMismatch,
			Fields: []check.FieldError{{Field: "amount", Message: "must equal the order total " + strconv.FormatInt(o.Total, 10)}}}
	}
	if s.pay == nil {
		return Confirmed{}, ErrPaymentsOff
	}
	if o.Status != store.OrderPendingPayment {
		if p, err := s.store.PaymentByOrder(ctx, o.ID); err == nil && p.Status == store.PaymentDone && p.PaymentKey == req.PaymentKey {
			return Confirmed{Order: ViewOf(o), Payment: PaymentViewOf(p)}, nil
		}
		return Confirmed{}, notPayable(o.Status)
	}
	p, err := s.store.BeginPayment(ctx, o.ID, req.PaymentKey, o.Total)
	switch {
	case errors.Is(err, store.ErrPaymentInProgress):
		return Confirmed{}, ErrInProgress
	case errors.Is(err, store.ErrInvalidTransition):
		// Cancelled since the check above: nothing is sent to the gateway.
		o, _ = s.store.OrderByID(ctx, o.ID)
		return Confirmed{}, notPayable(o.Status)
	case errors.Is(err, store.ErrPaymentSettled):
		if p.PaymentKey == req.PaymentKey {
			o, _ = s.store.OrderByID(ctx, o.ID)
			return Confirmed{Order: ViewOf(o), Payment: PaymentViewOf(p)}, nil
		}
		return Confirmed{}, ErrAlreadyPaid
	case err != nil:
		return Confirmed{}, fmt.Errorf("ordering: begin payment: %w", err)
	}

	defer s.holdLease(o.ID, p.Attempt)()
	s.hook(HookBeforeGateway, o.ID)
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.PaymentTimeout)
	defer cancel()
	tp, err := s.pay.Confirm(pctx, confirmIdemKey(o.ID, p.Attempt),
		toss.ConfirmRequest{PaymentKey: req.PaymentKey, OrderID: GatewayOrderID(o.ID), Amount: o.Total})
	if ge, ok := toss.AsError(err); ok && ge.Code == toss.CodeAlreadyProcessedPayment {
		// An earlier confirm decided it: ask the gateway what it decided.
		tp, err = s.pay.Payment(pctx, req.PaymentKey)
		switch {
		case err != nil, tp.Status == toss.StatusDone:
		case tp.Status == toss.StatusInProgress:
			// Another confirm of it is still running: the outcome is open.
			err = fmt.Errorf("ordering: payment of order %d still in progress: %w", o.ID, toss.ErrUnavailable)
		default:
			err = &toss.Error{Status: 400, Code: toss.CodeAlreadyProcessedPayment, Message: "the payment was already processed"}
		}
	}
	bg := context.WithoutCancel(ctx)
	switch {
	case err == nil:
		out, ok := s.applyGatewayPayment(bg, o, tp)
		if !ok && gatewayMatches(o, tp) {
			// Approved, but the database did not take it (even retried):
			// the reconciler applies it once the database answers.
			_ = s.store.MarkPaymentUnknown(bg, o.ID, time.Now())
			return Confirmed{}, ErrOutcomeUnknown
		}
		if !ok {
			_ = s.store.MarkPaymentUnknown(bg, o.ID, time.Now())
			return Confirmed{}, ErrGatewayMismatch
		}
		pay, err := s.store.PaymentByOrder(bg, o.ID)
		if err != nil {
			return Confirmed{}, fmt.Errorf("ordering: payment after confirm: %w", err)
		}
		return Confirmed{Order: ViewOf(out), Payment: PaymentViewOf(pay)}, nil
	case errors.Is(err, toss.ErrRejected):
		if err := s.store.MarkPaymentRejected(bg, o.ID); err != nil {
			s.log.ErrorContext(ctx, "mark payment rejected", slog.String("error", err.Error()))
		}
		detail := "the card payment was declined"
		if ge, ok := toss.AsError(err); ok && ge.Message != "" {
			detail = ge.Message
		}
		return Confirmed{}, check.Explain(ErrDeclined, detail)
	default:
		// Timeouts, 5xx, lost answers: the card may have been charged. Never
		// paid without the gateway's word; the reconciler looks it up.
		s.log.WarnContext(ctx, "payment outcome unknown", slog.Uint64("order_id", o.ID), slog.String("error", err.Error()))
		if err := s.store.MarkPaymentUnknown(bg, o.ID, time.Now()); err != nil {
			s.log.ErrorContext(ctx, "mark payment unknown", slog.String("error", err.Error()))
		}
		return Confirmed{}, ErrOutcomeUnknown
	}
}

// confirmIdemKey is the gateway Idempotency-Key of a confirm: one per order and
// attempt (an attempt is used up only by a decline), whatever key the client sent.
func confirmIdemKey(orderID uint64, attempt int) string {
	return "confirm-" + strconv.FormatUint(orderID, 10) + "-" + strconv.Itoa(attempt)
}

// applyGatewayPayment applies what the gateway says about the order's payment:
// a DONE payment of this order for its total makes the order paid (and pushes
// order.created) or, if it was cancelled meanwhile, queues a refund. It reports
// false when the payment is not a DONE payment matching the order.
func (s *Service) applyGatewayPayment(ctx context.Context, o store.Order, tp *toss.Payment) (store.Order, bool) {
	if !gatewayMatches(o, tp) {
		return o, false
	}
	a := store.ApprovedPayment{PaymentKey: tp.PaymentKey, Amount: tp.TotalAmount, Method: tp.Method, ApprovedAt: tp.ApprovedAt}
	if tp.Card != nil {
		a.CardCompany, a.CardNumber = tp.Card.Company, MaskCardNumber(tp.Card.Number)
	}
	if a.ApprovedAt.IsZero() {
		a.ApprovedAt = time.Now()
	}
	out, paidNow, err := s.settleRetrying(ctx, o.ID, a)
	if err != nil {
		s.log.ErrorContext(ctx, "settle payment", slog.Uint64("order_id", o.ID), slog.String("error", err.Error()))
		return o, false
	}
	if paidNow {
		s.hook(HookAfterSettle, o.ID)
		s.changed(ctx, out, changePaid)
	}
	return out, true
}

// MaskCardNumber keeps at most the first six and last four digits of what the
// gateway returned (it is already masked; this is a second guard).
func MaskCardNumber(n string) string {
	if len(n) <= 10 {
		return strings.Repeat("*", len(n))
	}
	return n[:6] + strings.Repeat("*", len(n)-10) + n[len(n)-4:]
}

// Outcome is what a gateway event did.
type Outcome string

// The outcomes of ApplyGatewayEvent.
const (
	Applied Outcome = "applied" // the payment it names was applied to its order
	Ignored Outcome = "ignored" // nothing of ours to change (another event, an unknown payment or order)
)

// EventSignature is what came with a webhook body in the gateway's signature
// headers (toss.SignatureHeader, toss.TransmissionTimeHeader); empty for the
// event types it does not sign.
type EventSignature struct {
	Signature, TransmissionTime string
}

// ApplyGatewayEvent handles one webhook body of the gateway. An event type
// the gateway signs must carry a good, fresh signature (ErrBadSignature,
// ErrStaleSignature; nothing else is done). An unsigned body is trusted for
// nothing but the payment key: the payment is looked up at the gateway and
// that answer is applied, idempotently. A failed lookup is ErrLookupFailed
// (the gateway should retry); a payment that could not be applied is
// ErrNotApplied.
func (s *Service) ApplyGatewayEvent(ctx context.Context, raw []byte, sig EventSignature) (Outcome, error) {
	ev, err := toss.ParseWebhook(raw)
	if err != nil {
		return "", ErrMalformedEvent
	}
	if toss.SignedEvent(ev.EventType) {
		err := toss.VerifyWebhookSignature(s.opts.WebhookSecurityKey, raw, sig.Signature, sig.TransmissionTime, s.now(), s.opts.WebhookTolerance)
		switch {
		case errors.Is(err, toss.ErrSignatureStale):
			return "", ErrStaleSignature
		case err != nil:
			return "", ErrBadSignature
		}
		return Ignored, nil // payouts and sellers: nothing of ours yet
	}
	if ev.EventType != toss.EventPaymentStatusChanged {
		return Ignored, nil
	}
	if s.pay == nil {
		return "", ErrPaymentsOff
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.PaymentTimeout)
	defer cancel()
	tp, err := s.pay.Payment(pctx, ev.PaymentKey)
	if err != nil {
		if ge, ok := toss.AsError(err); ok && ge.Code == toss.CodeNotFoundPayment {
			return Ignored, nil
		}
		s.log.WarnContext(ctx, "webhook lookup failed", slog.String("error", err.Error()))
		return "", ErrLookupFailed
	}
	id, ok := ParseGatewayOrderID(tp.OrderID)
	if !ok {
		return Ignored, nil
	}
	o, err := s.store.OrderByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Ignored, nil
	}
	if err != nil {
		return "", err
	}
	if tp.Status != toss.StatusDone {
		return Ignored, nil
	}
	if tp.TotalAmount != o.Total {
		s.log.ErrorContext(ctx, "webhook payment does not match its order", slog.Uint64("order_id", o.ID))
		return Ignored, nil
	}
	if _, ok := s.applyGatewayPayment(context.WithoutCancel(ctx), o, tp); !ok {
		return "", ErrNotApplied
	}
	return Applied, nil
}

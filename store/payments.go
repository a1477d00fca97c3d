package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Payment statuses as Illuwa records them. pending: a confirm is in flight;
// unknown: the gateway's answer was lost (look it up); done: the gateway
// approved it; rejected: the gateway declined; failed: a lookup showed nothing
// was charged; cancelled: refunded in full.
const (
	PaymentPending   = "pending"
	PaymentUnknown   = "unknown"
	PaymentDone      = "done"
	PaymentRejected  = "rejected"
	PaymentFailed    = "failed"
	PaymentCancelled = "cancelled"
)

// Sentinels of the payment flow.
var (
	// ErrPaymentInProgress: a confirm for the order is in flight or its outcome
	// is still unknown; nothing new may start until it is settled.
	ErrPaymentInProgress = errors.New("store: payment in progress")
	// ErrPaymentSettled: the order's payment is already approved (or refunded).
	ErrPaymentSettled = errors.New("store: payment already settled")
)

// ConfirmLease is how long a pending confirm is trusted without a word from
// the instance running it: BeginPayment grants it, and the confirming
// instance renews it (RenewPaymentLease) every ConfirmLease/3 while its
// gateway call runs. A confirm whose instance died is looked up by the
// reconciler once the lease has run out, seconds later, not minutes.
const ConfirmLease = 10 * time.Second

// Payment is the record of an order's card payment. Only the masked card
// number is kept. Attempt counts confirms after declines; the gateway
// Idempotency-Key of a confirm is derived from the order id and Attempt.
type Payment struct {
	ID          uint64
	OrderID     uint64
	PaymentKey  string
	Attempt     int
	Amount      int64
	Status      string
	Method      string
	CardCompany string
	CardNumber  string // masked, e.g. 433012******1234
	ApprovedAt  *time.Time
	NextCheckAt time.Time
	Lookups     int // the reconciler's lookups since the confirm began; the backoff doubles with it
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ApprovedPayment is what the gateway said about an approved payment.
type ApprovedPayment struct {
	PaymentKey  string
	Amount      int64
	Method      string
	CardCompany string
	CardNumber  string // masked
	ApprovedAt  time.Time
}

// PaymentByOrder returns the order's payment record or ErrNotFound.
func (s *Store) PaymentByOrder(ctx context.Context, orderID uint64) (Payment, error) {
	var p Payment
	err := s.db.WithContext(ctx).Where("order_id = ?", orderID).Take(&p).Error
	return p, wrap("payment by order", err)
}

// BeginPayment claims the order's payment for one confirm call with
// paymentKey: it creates the record (pending), or moves a rejected or failed
// one to pending with the next attempt, or resumes an unknown one with the
// same key. Only one caller can hold the claim: others get
// ErrPaymentInProgress. An approved payment is ErrPaymentSettled (with the
// record). An order that is no longer pending_payment (cancelled meanwhile)
// is ErrInvalidTransition: nothing may be sent to the gateway for it.
func (s *Store) BeginPayment(ctx context.Context, orderID uint64, paymentKey string, amount int64) (Payment, error) {
	var out Payment
	err := s.orderTx(ctx, orderID, func(tx *gorm.DB, o Order) error {
		now := s.now()
		var p Payment
		err := tx.Where("order_id = ?", orderID).Take(&p).Error
		found := err == nil
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if found && (p.Status == PaymentDone || p.Status == PaymentCancelled) {
			out = p
			return ErrPaymentSettled
		}
		if o.Status != OrderPendingPayment {
			return fmt.Errorf("store: order %d is %s and cannot be paid: %w", orderID, o.Status, ErrInvalidTransition)
		}
		if !found {
			p = Payment{OrderID: orderID, PaymentKey: paymentKey, Attempt: 1, Amount: amount, Status: PaymentPending,
				NextCheckAt: now.Add(ConfirmLease), CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&p).Error; err != nil {
				if errors.Is(err, gorm.ErrDuplicatedKey) {
					return ErrPaymentInProgress
				}
				return err
			}
			out = p
			return nil
		}
		attempt := p.Attempt
		switch p.Status {
		case PaymentPending:
			return ErrPaymentInProgress
		case PaymentUnknown:
			if p.PaymentKey != paymentKey {
				return ErrPaymentInProgress
			}
		case PaymentRejected, PaymentFailed:
			attempt++
		}
		res := tx.Model(&Payment{}).Where("id = ? AND status = ?", p.ID, p.Status).Updates(map[string]any{
			"status": PaymentPending, "payment_key": paymentKey, "attempt": attempt, "amount": amount,
			"next_check_at": now.Add(ConfirmLease), "lookups": 0, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrPaymentInProgress
		}
		p.Status, p.PaymentKey, p.Attempt, p.Amount, p.Lookups = PaymentPending, paymentKey, attempt, amount, 0
		out = p
		return nil
	})
	if errors.Is(err, ErrPaymentInProgress) || errors.Is(err, ErrPaymentSettled) || errors.Is(err, ErrInvalidTransition) {
		return out, fmt.Errorf("store: begin payment of order %d: %w", orderID, err)
	}
	return out, wrap("begin payment", err)
}

// RenewPaymentLease is the heartbeat of a confirm in flight: it moves the
// pending payment's lease (next_check_at) to until if the payment is still
// pending in the given attempt, and reports whether it did. A reconciler
// claim taken while the heartbeat was late is voided by the renewal (its
// "nothing charged" answer is then stale news and changes nothing).
func (s *Store) RenewPaymentLease(ctx context.Context, orderID uint64, attempt int, until time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Payment{}).
		Where("order_id = ? AND status = ? AND attempt = ?", orderID, PaymentPending, attempt).
		Updates(map[string]any{"next_check_at": leaseTime(until), "updated_at": s.now()})
	return res.RowsAffected > 0, wrap("renew payment lease", res.Error)
}

// RetryPaymentCheck ends a reconciler's lookup that settled nothing: the
// payment is looked up again from next on, and a pending one becomes unknown
// if toUnknown. Like MarkPaymentFailed it moves the payment only if it is
// still as claimed (claim is the until of the winning ClaimPaymentCheck).
func (s *Store) RetryPaymentCheck(ctx context.Context, orderID uint64, claim, next time.Time, toUnknown bool) (bool, error) {
	set := map[string]any{"next_check_at": leaseTime(next), "updated_at": s.now()}
	if toUnknown {
		set["status"] = PaymentUnknown
	}
	res := s.db.WithContext(ctx).Model(&Payment{}).
		Where("order_id = ? AND status IN ? AND next_check_at = ?", orderID, []string{PaymentPending, PaymentUnknown}, leaseTime(claim)).
		Updates(set)
	return res.RowsAffected > 0, wrap("retry payment check", res.Error)
}

// setPaymentStatus moves the order's payment from one of the from statuses to
// to; it reports whether it moved.
func (s *Store) setPaymentStatus(ctx context.Context, orderID uint64, from []string, to string, nextCheck time.Time) (bool, error) {
	set := map[string]any{"status": to, "updated_at": s.now()}
	if !nextCheck.IsZero() {
		set["next_check_at"] = nextCheck.UTC()
	}
	res := s.db.WithContext(ctx).Model(&Payment{}).Where("order_id = ? AND status IN ?", orderID, from).Updates(set)
	return res.RowsAffected > 0, wrap("set payment status", res.Error)
}

// MarkPaymentUnknown records that a confirm's outcome is unknown; the
// reconciler looks it up from nextCheck on.
func (s *Store) MarkPaymentUnknown(ctx context.Context, orderID uint64, nextCheck time.Time) error {
	_, err := s.setPaymentStatus(ctx, orderID, []string{PaymentPending, PaymentUnknown}, PaymentUnknown, nextCheck)
	return err
}

// MarkPaymentRejected records that the gateway declined the pending confirm.
func (s *Store) MarkPaymentRejected(ctx context.Context, orderID uint64) error {
	_, err := s.setPaymentStatus(ctx, orderID, []string{PaymentPending}, PaymentRejected, time.Time{})
	return err
}

// MarkPaymentFailed records that a lookup showed nothing was charged for a
// pending or unknown payment; the customer may confirm again. claim is the
// until of the caller's winning ClaimPaymentCheck: the payment moves only if
// nothing else touched it since (a confirm that resumed it makes the lookup
// stale news). It reports whether it moved.
func (s *Store) MarkPaymentFailed(ctx context.Context, orderID uint64, claim time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Payment{}).
		Where("order_id = ? AND status IN ? AND next_check_at = ?", orderID, []string{PaymentPending, PaymentUnknown}, leaseTime(claim)).
		Updates(map[string]any{"status": PaymentFailed, "updated_at": s.now()})
	return res.RowsAffected > 0, wrap("mark payment failed", res.Error)
}

// DuePayments lists payments whose outcome must be looked up (unknown, or
// pending past their lease) at now.
func (s *Store) DuePayments(ctx context.Context, now time.Time, limit int) ([]Payment, error) {
	var ps []Payment
	err := s.db.WithContext(ctx).Where("status IN ? AND next_check_at <= ?", []string{PaymentPending, PaymentUnknown}, now.UTC()).
		Order("next_check_at").Limit(limit).Find(&ps).Error
	return ps, wrap("due payments", err)
}

// ClaimPaymentCheck lets exactly one worker look a due payment up: it moves
// next_check_at to until if the payment is still due at now (counting the
// lookup), and reports whether this caller won. until is the claim: pass it
// to MarkPaymentFailed or RetryPaymentCheck.
func (s *Store) ClaimPaymentCheck(ctx context.Context, id uint64, now, until time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Payment{}).
		Where("id = ? AND status IN ? AND next_check_at <= ?", id, []string{PaymentPending, PaymentUnknown}, now.UTC()).
		Updates(map[string]any{"next_check_at": leaseTime(until), "lookups": gorm.Expr("lookups + 1"), "updated_at": s.now()})
	return res.RowsAffected > 0, wrap("claim payment check", res.Error)
}

// leaseTime is a claim's time as both databases store it exactly (UTC,
// microseconds), so a claim can be compared for equality later.
func leaseTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// SettlePayment applies the gateway's word that the order's payment is
// approved: the payment record becomes done (created if a webhook brought news
// of a payment never confirmed here) and a pending_payment order becomes paid
// with an event by the system. If the order was cancelled meanwhile, a refund
// job is written instead. Applying the same approval twice changes nothing.
// It returns the order and whether the order became paid now.
func (s *Store) SettlePayment(ctx context.Context, orderID uint64, a ApprovedPayment) (Order, bool, error) {
	var out Order
	paidNow := false
	err := s.orderTx(ctx, orderID, func(tx *gorm.DB, o Order) error {
		now := s.now()
		approved := a.ApprovedAt.UTC()
		set := map[string]any{"status": PaymentDone, "payment_key": a.PaymentKey, "amount": a.Amount, "method": a.Method,
			"card_company": a.CardCompany, "card_number": a.CardNumber, "approved_at": approved, "updated_at": now}
		res := tx.Model(&Payment{}).Where("order_id = ? AND status NOT IN ?", orderID, []string{PaymentDone, PaymentCancelled}).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		newlyDone := res.RowsAffected > 0
		if !newlyDone {
			var n int64
			if err := tx.Model(&Payment{}).Where("order_id = ?", orderID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				p := Payment{OrderID: orderID, PaymentKey: a.PaymentKey, Attempt: 1, Amount: a.Amount, Status: PaymentDone,
					Method: a.Method, CardCompany: a.CardCompany, CardNumber: a.CardNumber, ApprovedAt: &approved,
					NextCheckAt: now, CreatedAt: now, UpdatedAt: now}
				if err := tx.Create(&p).Error; err != nil {
					return err
				}
				newlyDone = true
			}
		}
		switch {
		case o.Status == OrderPendingPayment:
			if err := CheckTransition(o.Status, OrderPaid, ActorSystem); err != nil {
				return err
			}
			res := tx.Model(&Order{}).Where("id = ? AND status = ?", orderID, OrderPendingPayment).
				Updates(map[string]any{"status": OrderPaid, "paid_at": now, "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 {
				paidNow = true
				if err := tx.Create(&OrderEvent{OrderID: orderID, FromStatus: OrderPendingPayment, ToStatus: OrderPaid,
					Reason: "payment approved", CreatedAt: now}).Error; err != nil {
					return err
				}
			}
		case o.Status == OrderCancelled && newlyDone && o.RefundStatus == "":
			// Paid after it was cancelled (a late answer): give the money back.
			if err := tx.Model(&Order{}).Where("id = ?", orderID).
				Updates(map[string]any{"refund_status": RefundPending, "paid_at": now, "updated_at": now}).Error; err != nil {
				return err
			}
			if err := enqueueRefund(tx, orderID, "paid after cancellation", now); err != nil {
				return err
			}
		}
		var err error
		out, err = orderByID(tx, orderID)
		return err
	})
	return out, paidNow, wrap("settle payment", err)
}

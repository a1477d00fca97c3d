package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Refund is an outbox job: give an order's payment back. It is written in the
// same transaction as the cancellation, so a cancelled paid order always has
// one, and a worker sends it to the gateway until the gateway confirms.
type Refund struct {
	ID            uint64
	OrderID       uint64
	Amount        int64
	Reason        string
	Status        string // pending, done, failed
	Attempts      int
	LastError     string
	NextAttemptAt time.Time
	DoneAt        *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// enqueueRefund writes the refund job of a paid order inside tx. The amount is
// the approved payment's, or the order total when no payment record says so.
func enqueueRefund(tx *gorm.DB, orderID uint64, reason string, now time.Time) error {
	var p Payment
	amount := int64(0)
	if err := tx.Where("order_id = ? AND status = ?", orderID, PaymentDone).Take(&p).Error; err == nil {
		amount = p.Amount
	} else {
		var o Order
		if err := tx.Select("total").Take(&o, orderID).Error; err != nil {
			return err
		}
		amount = o.Total
	}
	if reason == "" {
		reason = "order cancelled"
	}
	return tx.Create(&Refund{OrderID: orderID, Amount: amount, Reason: reason, Status: RefundPending,
		NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}).Error
}

// RefundByOrder returns the order's refund job or ErrNotFound.
func (s *Store) RefundByOrder(ctx context.Context, orderID uint64) (Refund, error) {
	var r Refund
	err := s.db.WithContext(ctx).Where("order_id = ?", orderID).Take(&r).Error
	return r, wrap("refund by order", err)
}

// DueRefunds lists pending refund jobs due at now, oldest first.
func (s *Store) DueRefunds(ctx context.Context, now time.Time, limit int) ([]Refund, error) {
	var rs []Refund
	err := s.db.WithContext(ctx).Where("status = ? AND next_attempt_at <= ?", RefundPending, now.UTC()).
		Order("next_attempt_at").Limit(limit).Find(&rs).Error
	return rs, wrap("due refunds", err)
}

// ClaimRefund lets exactly one worker attempt a due refund: it counts the
// attempt and moves next_attempt_at to until if the job is still pending and
// due at now, and reports whether this caller won.
func (s *Store) ClaimRefund(ctx context.Context, id uint64, now, until time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Refund{}).
		Where("id = ? AND status = ? AND next_attempt_at <= ?", id, RefundPending, now.UTC()).
		Updates(map[string]any{"next_attempt_at": until.UTC(), "attempts": gorm.Expr("attempts + 1"), "updated_at": s.now()})
	return res.RowsAffected > 0, wrap("claim refund", res.Error)
}

// RetryRefund records a failed attempt and when to try again.
func (s *Store) RetryRefund(ctx context.Context, id uint64, next time.Time, lastErr string) error {
	err := s.db.WithContext(ctx).Model(&Refund{}).Where("id = ? AND status = ?", id, RefundPending).
		Updates(map[string]any{"next_attempt_at": next.UTC(), "last_error": truncate(lastErr, 500), "updated_at": s.now()}).Error
	return wrap("retry refund", err)
}

// FinishRefund closes the order's refund job as done or failed (the gateway
// refused for good; a person must look) and mirrors the outcome on the order
// (and, when done, on the payment). It returns the order.
func (s *Store) FinishRefund(ctx context.Context, orderID uint64, status, lastErr string) (Order, error) {
	var out Order
	err := s.orderTx(ctx, orderID, func(tx *gorm.DB, _ Order) error {
		now := s.now()
		set := map[string]any{"status": status, "last_error": truncate(lastErr, 500), "updated_at": now}
		if status == RefundDone {
			set["done_at"] = now
		}
		if err := tx.Model(&Refund{}).Where("order_id = ? AND status = ?", orderID, RefundPending).Updates(set).Error; err != nil {
			return err
		}
		if status == RefundDone {
			if err := tx.Model(&Payment{}).Where("order_id = ?", orderID).
				Updates(map[string]any{"status": PaymentCancelled, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&Order{}).Where("id = ?", orderID).
			Updates(map[string]any{"refund_status": status, "updated_at": now}).Error; err != nil {
			return err
		}
		var err error
		out, err = orderByID(tx, orderID)
		return err
	})
	return out, wrap("finish refund", err)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

package store

import (
	"context"
	"time"
)

// UnpaidOrders lists orders still awaiting payment that were placed before
// cutoff, oldest first, at most limit; an order whose payment is in flight
// or of unknown outcome is left out (that payment decides it).
func (s *Store) UnpaidOrders(ctx context.Context, cutoff time.Time, limit int) ([]Order, error) {
	var orders []Order
	err := s.db.WithContext(ctx).
		Where("status = ? AND created_at < ?", OrderPendingPayment, cutoff.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM payments WHERE payments.order_id = orders.id AND payments.status IN ?)",
			[]string{PaymentPending, PaymentUnknown}).
		Order("created_at").Limit(limit).Find(&orders).Error
	return orders, wrap("unpaid orders", err)
}

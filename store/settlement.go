package store

import (
	"context"
	"time"
)

// SaleRecord is one paid order of a stall for sales and settlement: its total,
// when it was paid, and how much of it is being or was refunded.
type SaleRecord struct {
	OrderID      uint64
	Total        int64
	PaidAt       time.Time
	Status       string
	RefundStatus string
	Refunded     int64
}

// SalesBetween lists the stall's orders paid in [from, to), oldest first, with
// the amount of their refund job (pending or done; a failed refund counts as
// not refunded).
func (s *Store) SalesBetween(ctx context.Context, pochaID uint64, from, to time.Time) ([]SaleRecord, error) {
	var rows []struct {
		ID           uint64
		Total        int64
		PaidAt       time.Time
		Status       string
		RefundStatus string
		Refunded     *int64
	}
	err := s.db.WithContext(ctx).Table("orders").
		Select("orders.id, orders.total, orders.paid_at, orders.status, orders.refund_status, refunds.amount AS refunded").
		Joins("LEFT JOIN refunds ON refunds.order_id = orders.id AND refunds.status <> ?", RefundFailed).
		Where("orders.pocha_id = ? AND orders.paid_at IS NOT NULL AND orders.paid_at >= ? AND orders.paid_at < ?",
			pochaID, from.UTC(), to.UTC()).
		Order("orders.paid_at, orders.id").Scan(&rows).Error
	if err != nil {
		return nil, wrap("sales between", err)
	}
	out := make([]SaleRecord, len(rows))
	for i, r := range rows {
		out[i] = SaleRecord{OrderID: r.ID, Total: r.Total, PaidAt: r.PaidAt.UTC(), Status: r.Status, RefundStatus: r.RefundStatus}
		if r.Refunded != nil {
			out[i].Refunded = *r.Refunded
		}
	}
	return out, nil
}

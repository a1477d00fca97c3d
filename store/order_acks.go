package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// OrderAck records that a user's screen or POS received an order push.
type OrderAck struct {
	OrderID uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID  uint64 `gorm:"primaryKey;autoIncrement:false"`
	AckedAt time.Time
}

// AckOrder records that ownerID received the order, if the order is at one of
// ownerID's stalls (else ErrNotFound). Acknowledging twice keeps the first time.
func (s *Store) AckOrder(ctx context.Context, orderID, ownerID uint64) error {
	var n int64
	err := s.db.WithContext(ctx).Table("orders").Joins("JOIN pochas ON pochas.id = orders.pocha_id").
		Where("orders.id = ? AND pochas.owner_id = ?", orderID, ownerID).Count(&n).Error
	if err != nil {
		return wrap("ack order", err)
	}
	if n == 0 {
		return wrap("ack order", ErrNotFound)
	}
	ack := OrderAck{OrderID: orderID, UserID: ownerID, AckedAt: s.db.NowFunc()}
	return wrap("ack order", s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&ack).Error)
}

// OrderAcked reports whether the user acknowledged the order.
func (s *Store) OrderAcked(ctx context.Context, orderID, userID uint64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&OrderAck{}).Where("order_id = ? AND user_id = ?", orderID, userID).Count(&n).Error
	return n > 0, wrap("order acked", err)
}

// UnackedOrders lists the paid orders at ownerID's stalls that ownerID has
// not acknowledged yet, oldest first, at most limit.
func (s *Store) UnackedOrders(ctx context.Context, ownerID uint64, limit int) ([]Order, error) {
	var ids []uint64
	err := s.db.WithContext(ctx).Table("orders").Select("orders.id").
		Joins("JOIN pochas ON pochas.id = orders.pocha_id").
		Where("pochas.owner_id = ? AND orders.status = ?", ownerID, OrderPaid).
		Where("NOT EXISTS (SELECT 1 FROM order_acks WHERE order_acks.order_id = orders.id AND order_acks.user_id = ?)", ownerID).
		Order("orders.id").Limit(limit).Pluck("orders.id", &ids).Error
	if err != nil {
		return nil, wrap("unacked orders", err)
	}
	return s.ordersByIDs(ctx, ids)
}

// ordersByIDs loads the orders with their items, in the order of ids.
func (s *Store) ordersByIDs(ctx context.Context, ids []uint64) ([]Order, error) {
	out := make([]Order, 0, len(ids))
	for _, id := range ids {
		o, err := s.OrderByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// RecentUnackedOrders lists the orders that became paid between after and
// before and that their stall's owner has not acknowledged yet, oldest
// first, at most limit: the ones whose order.created push may have been lost
// with the instance that made them paid.
func (s *Store) RecentUnackedOrders(ctx context.Context, after, before time.Time, limit int) ([]Order, error) {
	var ids []uint64
	err := s.db.WithContext(ctx).Table("orders").Select("orders.id").
		Joins("JOIN pochas ON pochas.id = orders.pocha_id").
		Where("orders.status = ? AND orders.paid_at > ? AND orders.paid_at <= ?", OrderPaid, after.UTC(), before.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM order_acks WHERE order_acks.order_id = orders.id AND order_acks.user_id = pochas.owner_id)").
		Order("orders.id").Limit(limit).Pluck("orders.id", &ids).Error
	if err != nil {
		return nil, wrap("recent unacked orders", err)
	}
	return s.ordersByIDs(ctx, ids)
}

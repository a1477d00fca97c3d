package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Order statuses. An order moves pending_payment → paid → accepted → ready →
// completed, or ends cancelled; CheckTransition holds the rules.
const (
	OrderPendingPayment = "pending_payment"
	OrderPaid           = "paid"
	OrderAccepted       = "accepted"
	OrderReady          = "ready"
	OrderCompleted      = "completed"
	OrderCancelled      = "cancelled"
)

// Refund statuses of an order ("" when there is nothing to refund).
const (
	RefundPending = "pending"
	RefundDone    = "done"
	RefundFailed  = "failed"
)

// Actor is who asks for an order transition.
type Actor string

// The actors of the order state machine.
const (
	ActorCustomer Actor = "customer"
	ActorOwner    Actor = "owner"
	ActorSystem   Actor = "system"
)

// ErrInvalidTransition: the order is not in a state that allows the change
// (or another change won the race).
var ErrInvalidTransition = errors.New("store: invalid order transition")

// transitions is THE order state machine: from → to → who may make the move.
var transitions = map[string]map[string][]Actor{
	OrderPendingPayment: {OrderPaid: {ActorSystem}, OrderCancelled: {ActorCustomer, ActorSystem}},
	OrderPaid:           {OrderAccepted: {ActorOwner}, OrderCancelled: {ActorCustomer, ActorOwner, ActorSystem}},
	OrderAccepted:       {OrderReady: {ActorOwner}},
	OrderReady:          {OrderCompleted: {ActorOwner}},
}

// CheckTransition reports whether by may move an order from one status to
// another; a refused move is ErrInvalidTransition.
func CheckTransition(from, to string, by Actor) error {
	for _, a := range transitions[from][to] {
		if a == by {
			return nil
		}
	}
	return fmt.Errorf("store: %s may not move an order from %s to %s: %w", by, from, to, ErrInvalidTransition)
}

// Order is a customer's order at one stall. Total is in whole won, computed
// from the menu prices at the time of ordering. Items are loaded with it.
type Order struct {
	ID             uint64
	CustomerID     uint64
	PochaID        uint64
	Status         string
	Total          int64
	ReadyInMinutes *int
	ReadyAt        *time.Time
	PaidAt         *time.Time
	AcceptedAt     *time.Time
	CancelReason   string
	CancelledBy    string
	RefundStatus   string
	PayAtStall     bool // paid by a card tapped at the stall's POS box
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Items          []OrderItem `gorm:"-"`
}

// OrderItem is one line of an order, with the name and unit price it was sold at.
type OrderItem struct {
	ID         uint64
	OrderID    uint64
	MenuItemID uint64
	Name       string
	UnitPrice  int64
	Quantity   int
	LineTotal  int64
}

// OrderEvent records one transition of an order. ActorID 0 is the system.
type OrderEvent struct {
	ID         uint64
	OrderID    uint64
	FromStatus string
	ToStatus   string
	ActorID    uint64
	Reason     string
	CreatedAt  time.Time
}

func (s *Store) now() time.Time { return s.db.NowFunc() }

// CreateOrder inserts a pending_payment order with its items (the caller has
// priced them from the menu) and sets the ids.
func (s *Store) CreateOrder(ctx context.Context, o *Order) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o.Status = OrderPendingPayment
		if err := tx.Create(o).Error; err != nil {
			return err
		}
		for i := range o.Items {
			o.Items[i].OrderID = o.ID
		}
		if len(o.Items) > 0 {
			if err := tx.Create(&o.Items).Error; err != nil {
				return err
			}
		}
		return tx.Create(&OrderEvent{OrderID: o.ID, FromStatus: "", ToStatus: OrderPendingPayment,
			ActorID: o.CustomerID, CreatedAt: o.CreatedAt}).Error
	})
	return wrap("create order", err)
}

// OrderByID returns one order with its items, or ErrNotFound.
func (s *Store) OrderByID(ctx context.Context, id uint64) (Order, error) {
	return orderByID(s.db.WithContext(ctx), id)
}

func orderByID(db *gorm.DB, id uint64) (Order, error) {
	var o Order
	if err := db.Take(&o, id).Error; err != nil {
		return o, wrap("order by id", err)
	}
	err := db.Where("order_id = ?", id).Order("id").Find(&o.Items).Error
	return o, wrap("order items", err)
}

// OrderFilter selects orders for ListOrders. Exactly one of CustomerID,
// PochaID or OwnerID (every stall of that owner) should be set. BeforeID pages
// backwards (newest first); Limit is at most 100.
type OrderFilter struct {
	CustomerID uint64
	PochaID    uint64
	OwnerID    uint64
	Status     string
	BeforeID   uint64
	Limit      int
}

// ListOrders returns matching orders with their items, newest first.
func (s *Store) ListOrders(ctx context.Context, f OrderFilter) ([]Order, error) {
	db := s.db.WithContext(ctx)
	q := db.Model(&Order{})
	if f.CustomerID != 0 {
		q = q.Where("customer_id = ?", f.CustomerID)
	}
	if f.PochaID != 0 {
		q = q.Where("pocha_id = ?", f.PochaID)
	}
	if f.OwnerID != 0 {
		q = q.Where("pocha_id IN (?)", db.Model(&Pocha{}).Select("id").Where("owner_id = ?", f.OwnerID))
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.BeforeID != 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 100
	}
	var orders []Order
	if err := q.Order("id DESC").Limit(f.Limit).Find(&orders).Error; err != nil {
		return nil, wrap("list orders", err)
	}
	if len(orders) == 0 {
		return orders, nil
	}
	ids := make([]uint64, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
	}
	var items []OrderItem
	if err := db.Where("order_id IN ?", ids).Order("id").Find(&items).Error; err != nil {
		return nil, wrap("list order items", err)
	}
	byOrder := map[uint64][]OrderItem{}
	for _, it := range items {
		byOrder[it.OrderID] = append(byOrder[it.OrderID], it)
	}
	for i := range orders {
		orders[i].Items = byOrder[orders[i].ID]
	}
	return orders, nil
}

// OrderEvents lists an order's transitions, oldest first.
func (s *Store) OrderEvents(ctx context.Context, orderID uint64) ([]OrderEvent, error) {
	var evs []OrderEvent
	err := s.db.WithContext(ctx).Where("order_id = ?", orderID).Order("id").Find(&evs).Error
	return evs, wrap("order events", err)
}

// Transition asks for one change of an order's status.
type Transition struct {
	OrderID        uint64
	From           string // the status the caller saw; the change happens only if it still holds
	To             string
	By             Actor
	ActorID        uint64 // 0 for the system
	Reason         string // why (cancellations)
	ReadyInMinutes int    // the estimate, for To == accepted
}

// TransitionOrder applies t atomically: it checks the state machine, updates
// the order only if its status is still t.From (so of two racing transitions
// exactly one wins; the loser gets ErrInvalidTransition), records an
// OrderEvent, and — when a paid order is cancelled — writes the refund job in
// the same transaction. It returns the order as it is afterwards.
func (s *Store) TransitionOrder(ctx context.Context, t Transition) (Order, error) {
	if err := CheckTransition(t.From, t.To, t.By); err != nil {
		return Order{}, err
	}
	var out Order
	err := s.orderTx(ctx, t.OrderID, func(tx *gorm.DB, cur Order) error {
		if cur.Status != t.From {
			return fmt.Errorf("store: order %d is %s, not %s: %w", t.OrderID, cur.Status, t.From, ErrInvalidTransition)
		}
		now := s.now()
		set := map[string]any{"status": t.To, "updated_at": now}
		switch t.To {
		case OrderAccepted:
			m := t.ReadyInMinutes
			set["ready_in_minutes"] = m
			set["accepted_at"] = now
			set["ready_at"] = now.Add(time.Duration(m) * time.Minute)
		case OrderCancelled:
			set["cancel_reason"] = t.Reason
			set["cancelled_by"] = string(t.By)
			if t.From == OrderPaid {
				set["refund_status"] = RefundPending
			}
		}
		res := tx.Model(&Order{}).Where("id = ? AND status = ?", t.OrderID, t.From).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("store: order %d is no longer %s: %w", t.OrderID, t.From, ErrInvalidTransition)
		}
		if t.To == OrderCancelled && t.From == OrderPaid {
			if err := enqueueRefund(tx, t.OrderID, t.Reason, now); err != nil {
				return err
			}
		}
		if err := tx.Create(&OrderEvent{OrderID: t.OrderID, FromStatus: t.From, ToStatus: t.To,
			ActorID: t.ActorID, Reason: t.Reason, CreatedAt: now}).Error; err != nil {
			return err
		}
		var err error
		out, err = orderByID(tx, t.OrderID)
		return err
	})
	if errors.Is(err, ErrInvalidTransition) {
		return out, err
	}
	return out, wrap("transition order", err)
}

// UnacceptedOrders lists paid orders paid before cutoff (and so overdue for
// acceptance), oldest first, at most limit.
func (s *Store) UnacceptedOrders(ctx context.Context, cutoff time.Time, limit int) ([]Order, error) {
	var orders []Order
	err := s.db.WithContext(ctx).Where("status = ? AND paid_at < ?", OrderPaid, cutoff.UTC()).
		Order("paid_at").Limit(limit).Find(&orders).Error
	return orders, wrap("unaccepted orders", err)
}

package ordering

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// Order limits.
const (
	MaxLines        = 30
	MaxLineQuantity = 50
	MaxTotal        = 1_000_000
)

// Caller is who acts on orders: a signed-in user and their role.
type Caller struct {
	UserID uint64
	Role   string
}

// Line is one line of a new order.
type Line struct {
	MenuItemID uint64 `json:"menu_item_id"`
	Quantity   int64  `json:"quantity"`
}

// NewOrder is what a customer orders.
type NewOrder struct {
	PochaID uint64 `json:"pocha_id"`
	Items   []Line `json:"items"`
	// PayAtStall: the customer pays by tapping a registered card on the
	// stall's POS box; the order shows on the box before it is paid.
	PayAtStall bool `json:"pay_at_stall"`
}

func (r NewOrder) validate() error {
	var cs check.Fields
	cs.Add(r.PochaID == 0, "pocha_id", "required")
	cs.Add(len(r.Items) == 0 || len(r.Items) > MaxLines, "items", "must list 1 to 30 lines")
	seen := map[uint64]bool{}
	for i, l := range r.Items {
		f := "items[" + strconv.Itoa(i) + "]"
		cs.Add(l.MenuItemID == 0, f+".menu_item_id", "required")
		cs.Add(l.Quantity < 1 || l.Quantity > MaxLineQuantity, f+".quantity", "must be 1 to 50")
		cs.Add(l.MenuItemID != 0 && seen[l.MenuItemID], f+".menu_item_id", "listed twice; put the whole quantity on one line")
		seen[l.MenuItemID] = true
	}
	return cs.Err()
}

// Place prices the order from the menu in the database (never from the
// client), checks the stall is open and every item is on its menu and not
// sold out, and stores it as pending_payment.
func (s *Service) Place(ctx context.Context, customerID uint64, r NewOrder) (View, error) {
	if err := r.validate(); err != nil {
		return View{}, err
	}
	p, err := s.store.PochaByID(ctx, r.PochaID)
	if errors.Is(err, store.ErrNotFound) {
		return View{}, check.Field("pocha_id", "no such stall")
	}
	if err != nil {
		return View{}, err
	}
	if !p.IsOpen {
		return View{}, ErrPochaClosed
	}
	if s.gate != nil && !s.gate.Accepting(ctx, p) {
		return View{}, ErrPochaPaused
	}
	ids := make([]uint64, len(r.Items))
	for i, l := range r.Items {
		ids[i] = l.MenuItemID
	}
	menu, err := s.store.MenuItemsByIDs(ctx, p.ID, ids)
	if err != nil {
		return View{}, err
	}
	var cs check.Fields
	o := store.Order{CustomerID: customerID, PochaID: p.ID, PayAtStall: r.PayAtStall}
	for i, l := range r.Items {
		f := "items[" + strconv.Itoa(i) + "].menu_item_id"
		it, ok := menu[l.MenuItemID]
		if !ok {
			cs.Add(true, f, "not on this stall's menu")
			continue
		}
		cs.Add(it.SoldOut, f, "sold out")
		line := it.Price * l.Quantity
		o.Total += line
		o.Items = append(o.Items, store.OrderItem{MenuItemID: it.ID, Name: it.Name, UnitPrice: it.Price,
			Quantity: int(l.Quantity), LineTotal: line})
	}
	if cs.OK() {
		cs.Add(o.Total > MaxTotal, "items", "the total may be at most 1,000,000 won")
		cs.Add(o.Total <= 0, "items", "the total must be more than 0 won")
	}
	if err := cs.Err(); err != nil {
		return View{}, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	o.CreatedAt, o.UpdatedAt = now, now
	if err := s.store.CreateOrder(ctx, &o); err != nil {
		return View{}, err
	}
	if o.PayAtStall {
		s.pushStall(ctx, o, realtime.TypeOrderCreated)
	}
	return ViewOf(o), nil
}

// visible loads an order if the caller is its customer or the owner of its
// stall; to anyone else it does not exist (store.ErrNotFound). It returns the
// order's stall too.
func (s *Service) visible(ctx context.Context, userID, orderID uint64) (store.Order, store.Pocha, error) {
	o, err := s.store.OrderByID(ctx, orderID)
	if err != nil {
		return o, store.Pocha{}, err
	}
	p, err := s.store.PochaByID(ctx, o.PochaID)
	if err != nil {
		return o, p, err
	}
	if o.CustomerID != userID && p.OwnerID != userID {
		return store.Order{}, store.Pocha{}, store.ErrNotFound
	}
	return o, p, nil
}

// Order returns one order to its customer or its stall's owner.
func (s *Service) Order(ctx context.Context, userID, orderID uint64) (View, error) {
	o, _, err := s.visible(ctx, userID, orderID)
	if err != nil {
		return View{}, err
	}
	return ViewOf(o), nil
}

// statuses are the order statuses a list may filter on.
var statuses = map[string]bool{store.OrderPendingPayment: true, store.OrderPaid: true, store.OrderAccepted: true,
	store.OrderReady: true, store.OrderCompleted: true, store.OrderCancelled: true}

// ListFilter narrows a list of orders.
type ListFilter struct {
	PochaID  uint64 // one stall (an owner's own, or a customer's orders there)
	Status   string // one status, or every one
	BeforeID uint64 // the page below this order id
	Limit    int    // 1..100
}

// List lists the caller's orders, newest first: a customer's own, or an
// owner's stalls' (one stall with PochaID; another owner's stall is
// store.ErrNotFound, not yours to know about).
func (s *Service) List(ctx context.Context, who Caller, f ListFilter) ([]View, error) {
	if f.Status != "" && !statuses[f.Status] {
		return nil, check.Field("status", "must be one of pending_payment, paid, accepted, ready, completed, cancelled")
	}
	if f.Limit < 1 || f.Limit > 100 {
		return nil, check.Field("limit", "must be 1 to 100")
	}
	sf := store.OrderFilter{Status: f.Status, BeforeID: f.BeforeID, Limit: f.Limit}
	switch {
	case who.Role == store.RoleOwner && f.PochaID != 0:
		p, err := s.store.PochaByID(ctx, f.PochaID)
		if err != nil {
			return nil, err
		}
		if p.OwnerID != who.UserID {
			return nil, store.ErrNotFound
		}
		sf.PochaID = f.PochaID
	case who.Role == store.RoleOwner:
		sf.OwnerID = who.UserID
	default:
		sf.CustomerID, sf.PochaID = who.UserID, f.PochaID
	}
	orders, err := s.store.ListOrders(ctx, sf)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(orders))
	for _, o := range orders {
		out = append(out, ViewOf(o))
	}
	return out, nil
}

package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// Order limits.
const (
	maxOrderLines    = 30
	maxLineQuantity  = 50
	maxOrderTotal    = 1_000_000
	gatewayOrderPref = "illuwa-order-"
)

// gatewayOrderID is the order id sent to the payment gateway (6..64 characters).
func gatewayOrderID(id uint64) string { return gatewayOrderPref + itoa(id) }

// parseGatewayOrderID reverses gatewayOrderID.
func parseGatewayOrderID(s string) (uint64, bool) {
	rest, ok := strings.CutPrefix(s, gatewayOrderPref)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(rest, 10, 64)
	return id, err == nil && id > 0
}

type orderItemResponse struct {
	MenuItemID uint64 `json:"menu_item_id"`
	Name       string `json:"name"`
	UnitPrice  int64  `json:"unit_price"`
	Quantity   int    `json:"quantity"`
	LineTotal  int64  `json:"line_total"`
}

// orderResponse is an order as the API and the pushes show it.
type orderResponse struct {
	ID             uint64              `json:"id"`
	PochaID        uint64              `json:"pocha_id"`
	CustomerID     uint64              `json:"customer_id"`
	Status         string              `json:"status"`
	Items          []orderItemResponse `json:"items"`
	Total          int64               `json:"total"`
	PaymentOrderID string              `json:"payment_order_id"`
	ReadyInMinutes *int                `json:"ready_in_minutes"`
	ReadyAt        *time.Time          `json:"ready_at"`
	PaidAt         *time.Time          `json:"paid_at"`
	AcceptedAt     *time.Time          `json:"accepted_at"`
	CancelReason   string              `json:"cancel_reason,omitempty"`
	CancelledBy    string              `json:"cancelled_by,omitempty"`
	RefundStatus   string              `json:"refund_status,omitempty"`
	CreatedAt      time.Time           `json:"created_at"`
	UpdatedAt      time.Time           `json:"updated_at"`
}

func toOrder(o store.Order) orderResponse {
	out := orderResponse{ID: o.ID, PochaID: o.PochaID, CustomerID: o.CustomerID, Status: o.Status, Total: o.Total,
		PaymentOrderID: gatewayOrderID(o.ID), ReadyInMinutes: o.ReadyInMinutes, ReadyAt: o.ReadyAt, PaidAt: o.PaidAt,
		AcceptedAt: o.AcceptedAt, CancelReason: o.CancelReason, CancelledBy: o.CancelledBy, RefundStatus: o.RefundStatus,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Items: make([]orderItemResponse, 0, len(o.Items))}
	for _, it := range o.Items {
		out.Items = append(out.Items, orderItemResponse{MenuItemID: it.MenuItemID, Name: it.Name, UnitPrice: it.UnitPrice,
			Quantity: it.Quantity, LineTotal: it.LineTotal})
	}
	return out
}

type orderLineRequest struct {
	MenuItemID uint64 `json:"menu_item_id"`
	Quantity   int64  `json:"quantity"`
}

type createOrderRequest struct {
	PochaID uint64             `json:"pocha_id"`
	Items   []orderLineRequest `json:"items"`
}

func (r *createOrderRequest) validate() error {
	var cs check.Fields
	cs.Add(r.PochaID == 0, "pocha_id", "required")
	cs.Add(len(r.Items) == 0 || len(r.Items) > maxOrderLines, "items", "must list 1 to 30 lines")
	seen := map[uint64]bool{}
	for i, l := range r.Items {
		f := "items[" + strconv.Itoa(i) + "]"
		cs.Add(l.MenuItemID == 0, f+".menu_item_id", "required")
		cs.Add(l.Quantity < 1 || l.Quantity > maxLineQuantity, f+".quantity", "must be 1 to 50")
		cs.Add(l.MenuItemID != 0 && seen[l.MenuItemID], f+".menu_item_id", "listed twice; put the whole quantity on one line")
		seen[l.MenuItemID] = true
	}
	return cs.Err()
}

// createOrder prices the order from the menu in the database and stores it
// as pending_payment.
func (s *Server) createOrder(c *gin.Context) {
	var req createOrderRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := req.validate(); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	p, err := s.store.PochaByID(ctx, req.PochaID)
	if errors.Is(err, store.ErrNotFound) {
		fail(c, validationError([]FieldError{{Field: "pocha_id", Message: "no such stall"}}))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	if !p.IsOpen {
		fail(c, errorf(http.StatusConflict, "pocha_closed", "the stall is closed and takes no orders now"))
		return
	}
	ids := make([]uint64, len(req.Items))
	for i, l := range req.Items {
		ids[i] = l.MenuItemID
	}
	menu, err := s.store.MenuItemsByIDs(ctx, p.ID, ids)
	if err != nil {
		fail(c, err)
		return
	}
	var cs check.Fields
	o := store.Order{CustomerID: currentUser(c).ID, PochaID: p.ID}
	for i, l := range req.Items {
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
		cs.Add(o.Total > maxOrderTotal, "items", "the total may be at most 1,000,000 won")
		cs.Add(o.Total <= 0, "items", "the total must be more than 0 won")
	}
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	o.CreatedAt, o.UpdatedAt = now, now
	if err := s.store.CreateOrder(ctx, &o); err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/orders/"+itoa(o.ID))
	c.JSON(http.StatusCreated, toOrder(o))
}

// visibleOrder loads the order named by the path if the caller is its
// customer or the owner of its stall; anyone else gets 404. It reports the
// stall's owner id.
func (s *Server) visibleOrder(c *gin.Context) (store.Order, uint64, bool) {
	id, ok := pathID(c, "id")
	if !ok {
		return store.Order{}, 0, false
	}
	ctx := c.Request.Context()
	o, err := s.store.OrderByID(ctx, id)
	if err != nil {
		fail(c, err)
		return o, 0, false
	}
	p, err := s.store.PochaByID(ctx, o.PochaID)
	if err != nil {
		fail(c, err)
		return o, 0, false
	}
	me := currentUser(c).ID
	if o.CustomerID != me && p.OwnerID != me {
		fail(c, errNotFound)
		return o, 0, false
	}
	return o, p.OwnerID, true
}

func (s *Server) getOrder(c *gin.Context) {
	o, _, ok := s.visibleOrder(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, toOrder(o))
}

var orderStatuses = map[string]bool{store.OrderPendingPayment: true, store.OrderPaid: true, store.OrderAccepted: true,
	store.OrderReady: true, store.OrderCompleted: true, store.OrderCancelled: true}

// listOrders lists the caller's orders: a customer's own, or an owner's
// stalls' (one stall with ?pocha_id=), newest first, cursor-paged.
func (s *Server) listOrders(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	f := store.OrderFilter{Status: c.Query("status"), Limit: 20}
	var cs check.Fields
	cs.Add(f.Status != "" && !orderStatuses[f.Status], "status", "must be one of pending_payment, paid, accepted, ready, completed, cancelled")
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		cs.Add(err != nil || n < 1 || n > 100, "limit", "must be 1 to 100")
		f.Limit = n
	}
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		cs.Add(err != nil || n == 0, "cursor", "must be a next_cursor from an earlier page")
		f.BeforeID = n
	}
	var pochaID uint64
	if v := c.Query("pocha_id"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		cs.Add(err != nil || n == 0, "pocha_id", "must be a stall id")
		pochaID = n
	}
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	switch {
	case u.Role == store.RoleOwner && pochaID != 0:
		p, err := s.store.PochaByID(ctx, pochaID)
		if err != nil {
			fail(c, err)
			return
		}
		if p.OwnerID != u.ID {
			fail(c, errNotFound) // another owner's stall is not yours to know about
			return
		}
		f.PochaID = pochaID
	case u.Role == store.RoleOwner:
		f.OwnerID = u.ID
	default:
		f.CustomerID, f.PochaID = u.ID, pochaID
	}
	orders, err := s.store.ListOrders(ctx, f)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]orderResponse, 0, len(orders))
	for _, o := range orders {
		out = append(out, toOrder(o))
	}
	var next *string
	if len(orders) == f.Limit {
		n := itoa(orders[len(orders)-1].ID)
		next = &n
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "next_cursor": next})
}

// orderAction is one owner or customer action on an order.
type orderAction struct {
	to   string
	by   store.Actor
	body func(c *gin.Context, t *store.Transition) bool // reads the action's body; nil takes none
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

type acceptRequest struct {
	ReadyInMinutes int `json:"ready_in_minutes"`
}

func bindReason(required bool) func(c *gin.Context, t *store.Transition) bool {
	return func(c *gin.Context, t *store.Transition) bool {
		var req reasonRequest
		if c.Request.ContentLength != 0 || required {
			if !bindJSON(c, &req) {
				return false
			}
		}
		req.Reason = strings.TrimSpace(req.Reason)
		var cs check.Fields
		cs.Add(required && req.Reason == "", "reason", "required")
		cs.Add(check.Len(req.Reason) > 200, "reason", "at most 200 characters")
		if err := cs.Err(); err != nil {
			fail(c, err)
			return false
		}
		t.Reason = req.Reason
		return true
	}
}

func bindAccept(c *gin.Context, t *store.Transition) bool {
	var req acceptRequest
	if !bindJSON(c, &req) {
		return false
	}
	if req.ReadyInMinutes < 1 || req.ReadyInMinutes > 180 {
		fail(c, validationError([]FieldError{{Field: "ready_in_minutes", Message: "must be 1 to 180"}}))
		return false
	}
	t.ReadyInMinutes = req.ReadyInMinutes
	return true
}

// transition serves one order action: only the order's customer (for
// customer actions) or its stall's owner (for owner actions) may act; anyone
// else gets 404. A move the state machine refuses is 409 invalid_transition.
func (s *Server) transition(a orderAction) gin.HandlerFunc {
	return func(c *gin.Context) {
		o, ownerID, ok := s.visibleOrder(c)
		if !ok {
			return
		}
		me := currentUser(c).ID
		if (a.by == store.ActorCustomer && o.CustomerID != me) || (a.by == store.ActorOwner && ownerID != me) {
			fail(c, errNotFound)
			return
		}
		t := store.Transition{OrderID: o.ID, From: o.Status, To: a.to, By: a.by, ActorID: me}
		if a.body != nil && !a.body(c, &t) {
			return
		}
		if a.to == store.OrderCancelled && t.Reason == "" {
			t.Reason = "cancelled by the customer"
		}
		out, err := s.store.TransitionOrder(c.Request.Context(), t)
		if err != nil {
			orderFail(c, err)
			return
		}
		s.pushOrder(c.Request.Context(), out, false)
		c.JSON(http.StatusOK, toOrder(out))
	}
}

// orderFail maps the order domain's errors, then falls back to fail.
func orderFail(c *gin.Context, err error) {
	if errors.Is(err, store.ErrInvalidTransition) {
		fail(c, errorf(http.StatusConflict, "invalid_transition", "the order's status does not allow this now"))
		return
	}
	fail(c, err)
}

// pushOrder tells people about an order after its change was committed: it
// stores the notification the change calls for (see notifyOrderChange), and
// pushes order.created to the stall's owner when it became paid, order.updated
// to the customer and the owner otherwise. Failures are logged: pushes are
// hints, the database is the record.
func (s *Server) pushOrder(ctx context.Context, o store.Order, created bool) {
	ctx = context.WithoutCancel(ctx)
	p, err := s.store.PochaByID(ctx, o.PochaID)
	if err != nil {
		s.log.WarnContext(ctx, "order push: stall lookup failed", slog.Uint64("order_id", o.ID), slog.String("error", err.Error()))
		return
	}
	s.notifyOrderChange(ctx, o, p)
	if s.push == nil {
		return
	}
	body := toOrder(o)
	send := func(user uint64, typ string) {
		if err := s.push.PublishUser(ctx, user, typ, body); err != nil {
			s.log.WarnContext(ctx, "order push failed", slog.Uint64("order_id", o.ID), slog.String("type", typ), slog.String("error", err.Error()))
		}
	}
	if created {
		send(p.OwnerID, "order.created")
		return
	}
	send(o.CustomerID, "order.updated")
	send(p.OwnerID, "order.updated")
}

package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/store"
)

// createOrder places an order priced from the menu, as pending_payment.
func (s *Server) createOrder(c *gin.Context) {
	var req ordering.NewOrder
	if !bindJSON(c, &req) {
		return
	}
	out, err := s.orders.Place(c.Request.Context(), currentUser(c).ID, req)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/orders/"+strconv.FormatUint(out.ID, 10))
	c.JSON(http.StatusCreated, out)
}

func (s *Server) getOrder(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var out ordering.View
	var err error
	if d, ok := currentDevice(c); ok {
		out, err = s.orders.DeviceOrder(c.Request.Context(), d, id)
	} else {
		out, err = s.orders.Order(c.Request.Context(), currentUser(c).ID, id)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// listOrders lists the caller's orders: a customer's own, or an owner's
// stalls' (one stall with ?pocha_id=), newest first, cursor-paged.
func (s *Server) listOrders(c *gin.Context) {
	u := currentUser(c)
	var cs check.Fields
	pg := pageQuery(c, &cs, 20, 100)
	f := ordering.ListFilter{Status: c.Query("status"), BeforeID: pg.before, Limit: pg.limit}
	if v := c.Query("pocha_id"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		cs.Add(err != nil || n == 0, "pocha_id", "must be a stall id")
		f.PochaID = n
	}
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	caller := ordering.Caller{UserID: u.ID, Role: u.Role}
	if d, ok := currentDevice(c); ok {
		// A device sees its own stall's orders only.
		if f.PochaID != 0 && f.PochaID != d.PochaID {
			fail(c, store.ErrNotFound)
			return
		}
		caller, f.PochaID = ordering.Caller{UserID: d.OwnerID, Role: store.RoleOwner}, d.PochaID
	}
	orders, err := s.orders.List(c.Request.Context(), caller, f)
	if err != nil {
		fail(c, err)
		return
	}
	var next *string
	if len(orders) == f.Limit {
		n := encodeCursor(orders[len(orders)-1].ID)
		next = &n
	}
	c.JSON(http.StatusOK, gin.H{"items": orders, "next_cursor": next})
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

type acceptRequest struct {
	ReadyInMinutes int `json:"ready_in_minutes"`
}

// act serves one order action: the body (reason, or ready_in_minutes for
// accept) is optional for cancel, required for reject and accept, and
// absent for ready and complete.
func (s *Server) act(a ordering.Action) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c, "id")
		if !ok {
			return
		}
		var p ordering.ActParams
		switch a {
		case ordering.Accept:
			var req acceptRequest
			if !bindJSON(c, &req) {
				return
			}
			p.ReadyInMinutes = req.ReadyInMinutes
		case ordering.Reject, ordering.Cancel:
			var req reasonRequest
			if (a == ordering.Reject || c.Request.ContentLength != 0) && !bindJSON(c, &req) {
				return
			}
			p.Reason = req.Reason
		}
		var out ordering.View
		var err error
		if d, ok := currentDevice(c); ok {
			out, err = s.orders.DeviceAct(c.Request.Context(), d, id, a, p)
		} else {
			out, err = s.orders.Act(c.Request.Context(), currentUser(c).ID, id, a, p)
		}
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
	}
}

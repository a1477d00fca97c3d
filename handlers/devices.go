package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/pos"
	"github.com/illuwa/illuwa/store"
)

// deviceRoutes registers pairing and the stall's devices on /api/v1.
func (s *Server) deviceRoutes(api *gin.RouterGroup) {
	body := limitBody(s.opts.MaxBodyBytes)
	owner := requireRole(store.RoleOwner)
	api.POST("/pochas/:id/devices/pairing-code", requireUser, owner, s.newPairingCode)
	api.POST("/devices/pair", body, s.pairDevice)
	api.GET("/pochas/:id/devices", requireUser, owner, s.listDevices)
	api.DELETE("/pochas/:id/devices/:device_id", requireUser, owner, s.revokeDevice)
}

func (s *Server) newPairingCode(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	code, err := s.pos.NewCode(c.Request.Context(), currentUser(c).ID, id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, code)
}

type pairRequest struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// pairDevice trades a pairing code for a device token. It needs no login:
// the code is the credential (short-lived, single-use).
func (s *Server) pairDevice(c *gin.Context) {
	var req pairRequest
	if !bindJSON(c, &req) {
		return
	}
	var cs check.Fields
	cs.Add(len(pos.NormalizeCode(req.Code)) != pos.CodeLen, "code", "must be the 8-character code from the owner console")
	cs.Add(check.Len(req.Name) > 60, "name", "at most 60 characters")
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	try, ok, retry := s.pairings.Take(time.Now(), "pair:"+c.ClientIP())
	if !ok {
		c.Header("Retry-After", strconv.Itoa(int(retry.Seconds()+0.5)))
		fail(c, errorf(http.StatusTooManyRequests, "too_many_attempts", "too many wrong pairing codes; wait and try again"))
		return
	}
	out, err := s.pos.Pair(c.Request.Context(), req.Code, req.Name)
	if err != nil {
		fail(c, err)
		return
	}
	try.Refund(time.Now())
	c.JSON(http.StatusCreated, out)
}

// devicesResponse is a stall's devices and whether it is watched.
type devicesResponse struct {
	Items []pos.DeviceView `json:"items"`
	pos.Status
}

func (s *Server) listDevices(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	ctx, u := c.Request.Context(), currentUser(c)
	ds, err := s.pos.Devices(ctx, u.ID, id)
	if err != nil {
		fail(c, err)
		return
	}
	st, err := s.pos.StallStatus(ctx, u.ID, id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, devicesResponse{Items: ds, Status: st})
}

func (s *Server) revokeDevice(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	dev, ok := pathID(c, "device_id")
	if !ok {
		return
	}
	if err := s.pos.Revoke(c.Request.Context(), currentUser(c).ID, id, dev); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// posRules answer the POS service's and pay-at-the-stall refusals.
var posRules = []problemRule{
	{pos.ErrNotYourPocha, http.StatusForbidden, "not_your_pocha", "this stall belongs to another owner"},
	{pos.ErrBadCode, http.StatusUnprocessableEntity, "invalid_pairing_code", "the pairing code is unknown, used or expired: make a new one in the owner console"},
	{ordering.ErrDeviceForbidden, http.StatusForbidden, "device_forbidden", "a POS device token may only receive, acknowledge, accept, reject and ready its stall's orders"},
	{ordering.ErrPochaPaused, http.StatusConflict, "pocha_paused", "지금은 주문을 받지 않는 가게예요. 잠시 후 다시 시도해 주세요. (The stall is not taking orders right now: try again later.)"},
}

// posService is d.POS, or one built from the store and hub; the order flow
// asks it whether a stall takes orders.
func posService(d Deps, orders *ordering.Service) *pos.Service {
	p := d.POS
	if p == nil {
		deps := pos.Deps{Store: d.Store, Log: d.Log}
		if d.Hub != nil {
			deps.End = d.Hub
		}
		p = pos.New(deps)
	}
	orders.SetGate(p)
	return p
}

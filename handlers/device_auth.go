package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/pos"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// ctxDevice holds the POS device of a request made with a device token.
const ctxDevice = "illuwa.device"

// isDeviceToken tells a device token (from pairing) from a login's.
func isDeviceToken(token string) bool { return strings.HasPrefix(token, pos.TokenPrefix) }

// deviceRoutesAllowed are the only endpoints a device token may call: its
// stall's orders, and the box's buttons on them.
var deviceRoutesAllowed = map[string]bool{
	"GET /api/v1/orders":             true,
	"GET /api/v1/orders/:id":         true,
	"POST /api/v1/orders/:id/accept": true,
	"POST /api/v1/orders/:id/reject": true,
	"POST /api/v1/orders/:id/ready":  true,
	"GET /api/v1/openapi.json":       true,
	"GET /api/v1/openapi.yaml":       true,
	"POST /api/v1/devices/pair":      true,
}

// authenticateDevice resolves a device token for authenticate: an unknown
// or revoked one is a 401, any endpoint but the device's few a 403.
func (s *Server) authenticateDevice(c *gin.Context, token string) {
	d, err := s.pos.Authenticate(c.Request.Context(), token)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			fail(c, errorf(http.StatusUnauthorized, "invalid_token", "the token is unknown, expired or revoked"))
			return
		}
		fail(c, err)
		return
	}
	if !deviceRoutesAllowed[c.Request.Method+" "+c.FullPath()] {
		fail(c, ordering.ErrDeviceForbidden)
		return
	}
	c.Set(ctxDevice, ordering.Device(d))
	c.Next()
}

// currentDevice is the request's POS device, if it was made with a device token.
func currentDevice(c *gin.Context) (ordering.Device, bool) {
	v, ok := c.Get(ctxDevice)
	d, _ := v.(ordering.Device)
	return d, ok
}

// deviceOr lets a device request through (the handler checks its stall),
// and runs check for everyone else.
func deviceOr(check gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := currentDevice(c); ok {
			c.Next()
			return
		}
		check(c)
	}
}

// serveDeviceWS serves the WebSocket of a POS device: it gets its stall's
// order pushes (and the ones it has not acknowledged on connecting), and
// may send ack, card and heartbeat.
func (s *Server) serveDeviceWS(c *gin.Context, token string) {
	d, err := s.pos.Authenticate(c.Request.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		fail(c, errorf(http.StatusUnauthorized, "invalid_token", "the token is unknown, expired or revoked"))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	who := realtime.Identity{UserID: d.OwnerID, Role: "device", Session: realtime.DeviceSession(d.ID), DeviceID: d.ID, PochaID: d.PochaID}
	s.hub.ServeWS(c.Writer, c.Request, who, s.inbound)
}

func deviceOf(who realtime.Identity) ordering.Device {
	return ordering.Device{ID: who.DeviceID, PochaID: who.PochaID, OwnerID: who.UserID}
}

var (
	_ realtime.DeviceInbound = inbound{}
	_ realtime.Presence      = inbound{}
)

// Card pays an order at the stall with a tapped card.
func (i inbound) Card(ctx context.Context, who realtime.Identity, token string, orderID uint64) (realtime.PaymentResultMessage, error) {
	res, err := i.s.orders.PayAtStall(ctx, deviceOf(who), token, orderID)
	if err != nil {
		return realtime.PaymentResultMessage{}, wsError(err)
	}
	return realtime.PaymentResultMessage{OrderID: res.OrderID, Approved: res.Approved, Code: res.Code, Message: res.Message}, nil
}

// Heartbeat marks the device online.
func (i inbound) Heartbeat(ctx context.Context, who realtime.Identity, key string) error {
	return wsError(i.s.pos.Heartbeat(ctx, who, key))
}

// Online counts an owner screen or a device as watching its stalls.
func (i inbound) Online(ctx context.Context, who realtime.Identity, key string) {
	i.s.pos.Online(ctx, who, key)
}

// Offline stops counting it.
func (i inbound) Offline(ctx context.Context, who realtime.Identity, key string) {
	i.s.pos.Offline(ctx, who, key)
}

package handlers

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/illuwa/illuwa/realtime"
)

// wsToken reads the token of a WebSocket request: ?token= (browsers cannot
// set headers on a WebSocket), the Authorization header, or the session
// cookie set at login (the Origin check keeps other sites from using it).
func wsToken(c *gin.Context) (string, bool) {
	// Any length counts as sent: an overlong token is refused, not ignored.
	if t := c.Query("token"); t != "" {
		return t, true
	}
	if t, ok := bearerToken(c.Request); ok {
		return t, true
	}
	if ck, err := c.Request.Cookie(sessionCookie); err == nil && ck.Value != "" {
		return ck.Value, true
	}
	return "", false
}

// serveWS authenticates a WebSocket request and hands it to the hub.
func (s *Server) serveWS(c *gin.Context) {
	who := realtime.Identity{Addr: c.ClientIP()} // the forwarded address only from a trusted proxy
	if tok, ok := wsToken(c); ok {
		if isDeviceToken(tok) {
			s.serveDeviceWS(c, tok)
			return
		}
		u, session, err := s.account.Authenticate(c.Request.Context(), tok)
		if err != nil {
			fail(c, err) // accounts.ErrInvalidToken is a 401; a database failure a 500, not the client's fault
			return
		}
		who.UserID, who.Role, who.Session = u.ID, u.Role, session
	}
	s.hub.ServeWS(c.Writer, c.Request, who, s.inbound)
}

// inbound routes the WebSocket messages that change state to the domain
// services, and their refusals through the problem table, so a WebSocket
// client gets the same codes as an HTTP one.
type inbound struct{ s *Server }

var _ realtime.Welcomer = inbound{}

func (i inbound) Location(ctx context.Context, who realtime.Identity, m realtime.LocationMsg) error {
	if i.s.live == nil {
		return errorf(http.StatusServiceUnavailable, "unavailable", "the live map is off")
	}
	return wsError(i.s.live.Location(ctx, who, m))
}

func (i inbound) Ack(ctx context.Context, who realtime.Identity, orderID uint64) error {
	if who.DeviceID != 0 {
		return wsError(i.s.orders.DeviceAck(ctx, deviceOf(who), orderID))
	}
	return wsError(i.s.orders.Ack(ctx, who.UserID, orderID))
}

func (i inbound) Welcome(ctx context.Context, who realtime.Identity) ([]any, error) {
	if who.DeviceID != 0 {
		return i.s.orders.DeviceWelcome(ctx, deviceOf(who))
	}
	return i.s.orders.Welcome(ctx, who)
}

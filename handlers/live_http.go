package handlers

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/realtime"
)

// Bounds of GET /pochas/nearby.
const (
	defaultNearbyRadiusM = 1000
	maxNearbyRadiusM     = 5000
	defaultNearbyLimit   = 100
	maxNearbyLimit       = 500
)

type nearbyItem struct {
	ID        uint64    `json:"id"`
	Name      string    `json:"name"`
	Lat       float64   `json:"lat"`
	Lng       float64   `json:"lng"`
	At        time.Time `json:"at"`
	DistanceM float64   `json:"distance_m"`
}

type nearbyResponse struct {
	Lat     float64      `json:"lat"`
	Lng     float64      `json:"lng"`
	RadiusM float64      `json:"radius_m"`
	Items   []nearbyItem `json:"items"`
}

// queryFloat reads a finite float query parameter; def is used when absent.
func queryFloat(c *gin.Context, cs *checks, name string, def float64, required bool) float64 {
	raw, ok := c.GetQuery(name)
	if !ok || raw == "" {
		cs.add(required, name, "required")
		return def
	}
	v, err := strconv.ParseFloat(raw, 64)
	cs.add(err != nil || math.IsNaN(v) || math.IsInf(v, 0), name, "must be a finite number")
	return v
}

func (s *Server) nearby(c *gin.Context) {
	var cs checks
	lat := queryFloat(c, &cs, "lat", 0, true)
	lng := queryFloat(c, &cs, "lng", 0, true)
	radius := queryFloat(c, &cs, "radius_m", defaultNearbyRadiusM, false)
	limit := queryFloat(c, &cs, "limit", defaultNearbyLimit, false)
	if len(cs) == 0 {
		cs.add(lat < -90 || lat > 90, "lat", "must be -90..90")
		cs.add(lng < -180 || lng > 180, "lng", "must be -180..180")
		cs.add(radius < 1 || radius > maxNearbyRadiusM, "radius_m", "must be 1..5000 metres")
		cs.add(limit < 1 || limit > maxNearbyLimit || limit != math.Trunc(limit), "limit", "must be a whole number 1..500")
	}
	if err := cs.err(); err != nil {
		fail(c, err)
		return
	}
	hits, err := s.live.index.Nearby(c.Request.Context(), lat, lng, radius, int(limit))
	if err != nil {
		fail(c, err)
		return
	}
	out := nearbyResponse{Lat: lat, Lng: lng, RadiusM: radius, Items: make([]nearbyItem, len(hits))}
	for i, h := range hits {
		out.Items[i] = nearbyItem{ID: h.ID, Name: h.Name, Lat: h.Lat, Lng: h.Lng, At: h.At, DistanceM: math.Round(h.DistanceM*10) / 10}
	}
	c.JSON(http.StatusOK, out)
}

type openRequest struct {
	Lat *float64 `json:"lat"`
	Lng *float64 `json:"lng"`
}

// liveFail answers a live-map error as a problem.
func liveFail(c *gin.Context, err error) {
	var le *liveError
	if errors.As(err, &le) {
		fail(c, le.api())
		return
	}
	fail(c, err)
}

func (s *Server) openPocha(c *gin.Context) {
	p, ok := s.ownPocha(c)
	if !ok {
		return
	}
	var req openRequest
	if !bindJSON(c, &req) {
		return
	}
	var cs checks
	cs.add(req.Lat == nil, "lat", "required")
	cs.add(req.Lng == nil, "lng", "required")
	if err := cs.err(); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	if err := s.live.Open(ctx, p, *req.Lat, *req.Lng); err != nil {
		liveFail(c, err)
		return
	}
	p.IsOpen = true
	c.JSON(http.StatusOK, s.toPocha(ctx, p))
}

func (s *Server) closePocha(c *gin.Context) {
	p, ok := s.ownPocha(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if err := s.live.Close(ctx, p); err != nil {
		liveFail(c, err)
		return
	}
	p.IsOpen = false
	c.JSON(http.StatusOK, s.toPocha(ctx, p))
}

type locationRequest struct {
	Lat *float64   `json:"lat"`
	Lng *float64   `json:"lng"`
	At  *time.Time `json:"at"`
}

// postLocation is the HTTP way for clients without a WebSocket to send a
// position; the checks are those of the WebSocket "location" message.
func (s *Server) postLocation(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req locationRequest
	if !bindJSON(c, &req) {
		return
	}
	var cs checks
	cs.add(req.Lat == nil, "lat", "required")
	cs.add(req.Lng == nil, "lng", "required")
	cs.add(req.At == nil, "at", "required: the RFC 3339 time of the position")
	if err := cs.err(); err != nil {
		fail(c, err)
		return
	}
	if !s.locationLimit.allow(id, time.Now()) {
		c.Header("Retry-After", "1")
		fail(c, errorf(http.StatusTooManyRequests, "rate_limited", "too many positions for this stall; slow down"))
		return
	}
	u := currentUser(c)
	err := s.live.Location(c.Request.Context(), realtime.Identity{UserID: u.ID, Role: u.Role},
		realtime.LocationMsg{PochaID: id, Lat: *req.Lat, Lng: *req.Lng, At: *req.At})
	if err != nil {
		liveFail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// wsToken reads the token of a WebSocket request: ?token= (browsers cannot
// set headers on a WebSocket) or the Authorization header.
func wsToken(c *gin.Context) (string, bool) {
	if t := c.Query("token"); t != "" && len(t) <= 256 {
		return t, true
	}
	return bearerToken(c.Request)
}

// serveWS authenticates a WebSocket request and hands it to the hub.
func (s *Server) serveWS(c *gin.Context) {
	who := realtime.Identity{}
	if tok, ok := wsToken(c); ok {
		u, err := s.userForToken(c, tok)
		if err != nil {
			fail(c, errorf(http.StatusUnauthorized, "invalid_token", "the token is unknown, expired or revoked"))
			return
		}
		who = realtime.Identity{UserID: u.ID, Role: u.Role}
	}
	s.hub.ServeWS(c.Writer, c.Request, who)
}

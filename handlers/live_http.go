package handlers

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/realtime/jsonenc"
)

// Bounds of GET /pochas/nearby.
const (
	defaultNearbyRadiusM = 1000
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
	// As in the WebSocket snapshot (realtime.StallView).
	Category    string  `json:"category"`
	Rating      float64 `json:"rating"`
	ReviewCount int64   `json:"review_count"`
	OpenByHours *bool   `json:"open_by_hours"`
}

type nearbyResponse struct {
	Lat     float64      `json:"lat"`
	Lng     float64      `json:"lng"`
	RadiusM float64      `json:"radius_m"`
	Items   []nearbyItem `json:"items"`
}

// queryFloat reads a finite float query parameter; def is used when absent.
func queryFloat(c *gin.Context, cs *check.Fields, name string, def float64, required bool) float64 {
	raw, ok := c.GetQuery(name)
	if !ok || raw == "" {
		cs.Add(required, name, "required")
		return def
	}
	v, err := strconv.ParseFloat(raw, 64)
	cs.Add(err != nil || math.IsNaN(v) || math.IsInf(v, 0), name, "must be a finite number")
	return v
}

func (s *Server) nearby(c *gin.Context) {
	var cs check.Fields
	lat := queryFloat(c, &cs, "lat", 0, true)
	lng := queryFloat(c, &cs, "lng", 0, true)
	radius := queryFloat(c, &cs, "radius_m", defaultNearbyRadiusM, false)
	limit := queryFloat(c, &cs, "limit", defaultNearbyLimit, false)
	if cs.OK() {
		livemap.CheckNearby(&cs, lat, lng, radius)
		cs.Add(limit < 1 || limit > maxNearbyLimit || limit != math.Trunc(limit), "limit", "must be a whole number 1..500")
	}
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	sc := nearbyScratch.Get().(*nearbyWork)
	defer sc.put()
	var err error
	sc.hits, err = s.live.AppendNearby(c.Request.Context(), sc.hits, lat, lng, radius, int(limit))
	if err != nil {
		fail(c, err)
		return
	}
	sc.heads = s.heads.get(c.Request.Context(), sc.heads, sc.hits, s.pochas)
	sc.body = appendNearbyJSON(sc.body, lat, lng, radius, sc.hits, sc.heads, time.Now())
	c.Header("Content-Length", strconv.Itoa(len(sc.body)))
	c.Data(http.StatusOK, "application/json; charset=utf-8", sc.body)
}

// nearbyWork is the scratch of one GET /pochas/nearby, recycled.
type nearbyWork struct {
	hits  []geo.Hit
	heads []*nearbyHead
	body  []byte
}

var nearbyScratch = sync.Pool{New: func() any { return &nearbyWork{body: make([]byte, 0, 16<<10)} }}

// put empties w (dropping what it points to) and recycles it, unless one
// very wide answer made it large.
func (w *nearbyWork) put() {
	if cap(w.body) > 1<<20 || cap(w.hits) > 4096 {
		return
	}
	clear(w.hits)
	clear(w.heads)
	w.hits, w.heads, w.body = w.hits[:0], w.heads[:0], w.body[:0]
	nearbyScratch.Put(w)
}

// appendNearbyJSON appends the nearbyResponse of the hits to b, byte for
// byte what encoding/json makes of it (TestNearbyJSONMatchesEncodingJSON),
// without reflection or an allocation per item. Distances are rounded to
// 0.1 m as in the API. heads[i] describes hits[i]; at is the time
// open_by_hours is for.
func appendNearbyJSON(b []byte, lat, lng, radiusM float64, hits []geo.Hit, heads []*nearbyHead, at time.Time) []byte {
	b = slices.Grow(b, 64+220*len(hits))
	b = append(b, `{"lat":`...)
	b = jsonenc.Float(b, lat)
	b = append(b, `,"lng":`...)
	b = jsonenc.Float(b, lng)
	b = append(b, `,"radius_m":`...)
	b = jsonenc.Float(b, radiusM)
	b = append(b, `,"items":[`...)
	for i := range hits {
		if i > 0 {
			b = append(b, ',')
		}
		b = heads[i].appendItem(b, hits[i].DistanceM, at)
	}
	return append(b, "]}"...)
}

type openRequest struct {
	Lat *float64 `json:"lat"`
	Lng *float64 `json:"lng"`
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
	var cs check.Fields
	cs.Add(req.Lat == nil, "lat", "required")
	cs.Add(req.Lng == nil, "lng", "required")
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	if err := s.live.Open(ctx, p, *req.Lat, *req.Lng); err != nil {
		fail(c, err)
		return
	}
	p.IsOpen = true
	c.JSON(http.StatusOK, s.pochas.View(ctx, p))
}

func (s *Server) closePocha(c *gin.Context) {
	p, ok := s.ownPocha(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if err := s.live.Close(ctx, p); err != nil {
		fail(c, err)
		return
	}
	p.IsOpen = false
	c.JSON(http.StatusOK, s.pochas.View(ctx, p))
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
	var cs check.Fields
	cs.Add(req.Lat == nil, "lat", "required")
	cs.Add(req.Lng == nil, "lng", "required")
	cs.Add(req.At == nil, "at", "required: the RFC 3339 time of the position")
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	u := currentUser(c)
	err := s.live.PostLocation(c.Request.Context(), realtime.Identity{UserID: u.ID, Role: u.Role},
		realtime.LocationMsg{PochaID: id, Lat: *req.Lat, Lng: *req.Lng, At: *req.At})
	if err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

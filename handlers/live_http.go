package handlers

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/realtime"
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
	hits, err := s.live.Nearby(c.Request.Context(), lat, lng, radius, int(limit))
	if err != nil {
		fail(c, err)
		return
	}
	ids := make([]uint64, len(hits))
	for i := range hits {
		ids[i] = hits[i].ID
	}
	cards := s.pochas.Cards(c.Request.Context(), ids)
	bufp := nearbyBufs.Get().(*[]byte)
	body := appendNearbyJSON((*bufp)[:0], lat, lng, radius, hits, cards, time.Now())
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
	if cap(body) <= 1<<20 {
		*bufp = body[:0]
		nearbyBufs.Put(bufp)
	}
}

// nearbyBufs recycles the answer buffers of GET /pochas/nearby.
var nearbyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// appendNearbyJSON appends the nearbyResponse of the hits to b, byte for
// byte what encoding/json makes of it (TestNearbyJSONMatchesEncodingJSON),
// without reflection or an allocation per item. Distances are rounded to
// 0.1 m as in the API. cards[i] describes hits[i]; at is the time
// open_by_hours is for.
func appendNearbyJSON(b []byte, lat, lng, radiusM float64, hits []geo.Hit, cards []pochas.Card, at time.Time) []byte {
	b = slices.Grow(b, 64+220*len(hits))
	b = append(b, `{"lat":`...)
	b = appendJSONFloat(b, lat)
	b = append(b, `,"lng":`...)
	b = appendJSONFloat(b, lng)
	b = append(b, `,"radius_m":`...)
	b = appendJSONFloat(b, radiusM)
	b = append(b, `,"items":[`...)
	for i := range hits {
		h := &hits[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendUint(b, h.ID, 10)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, h.Name)
		b = append(b, `,"lat":`...)
		b = appendJSONFloat(b, h.Lat)
		b = append(b, `,"lng":`...)
		b = appendJSONFloat(b, h.Lng)
		b = append(b, `,"at":`...)
		b = appendJSONTime(b, h.At)
		b = append(b, `,"distance_m":`...)
		b = appendJSONFloat(b, math.Round(h.DistanceM*10)/10)
		c := &cards[i]
		b = append(b, `,"category":`...)
		b = appendJSONString(b, c.Category)
		b = append(b, `,"rating":`...)
		b = appendJSONFloat(b, c.Rating)
		b = append(b, `,"review_count":`...)
		b = strconv.AppendInt(b, c.ReviewCount, 10)
		b = append(b, `,"open_by_hours":`...)
		switch open, known := c.OpenAt(at); {
		case !known:
			b = append(b, "null"...)
		case open:
			b = append(b, "true"...)
		default:
			b = append(b, "false"...)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendJSONFloat appends a finite float64 as encoding/json writes it.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-07 → e-7, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONString appends s quoted as encoding/json writes it (HTML
// characters escaped). Strings that need any escape take encoding/json
// itself; stall names almost never do.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return appendJSONSlow(b, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			return appendJSONSlow(b, s)
		}
		i += size
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONTime appends t as time.Time's MarshalJSON writes it.
func appendJSONTime(b []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		return appendJSONSlow(b, t) // MarshalJSON refuses it; so do we
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendJSONSlow appends v as encoding/json writes it; on error (a time
// out of range) it writes null.
func appendJSONSlow(b []byte, v any) []byte {
	js, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, js...)
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

package handlers

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/realtime/jsonenc"
)

// An item of GET /pochas/nearby starts with what the live map knows of the
// stall, which changes only when the stall moves or is renamed:
//
//	{"id":7,"name":"…","lat":37.5,"lng":127,"at":"…","distance_m":
//
// Encoding those floats and that time again for every answer was the
// largest part of writing one (most stalls stand still between answers), so
// the heads are kept encoded, each with the position it was made of: a
// head is used only for a hit whose name, coordinates and time are exactly
// those, whatever the index.

// maxNearbyHeads bounds the heads kept; past it they start over (a stall
// that closed keeps its head until then).
const maxNearbyHeads = 100_000

// nearbyHead is the encoded head of one stall's item and what it was made of.
type nearbyHead struct {
	name     string
	lat, lng uint64 // math.Float64bits: 0 and -0 are written differently
	at       time.Time
	js       []byte
}

func newNearbyHead(p *geo.Position) *nearbyHead {
	b := make([]byte, 0, 96+len(p.Name))
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, p.ID, 10)
	b = append(b, `,"name":`...)
	b = jsonenc.String(b, p.Name)
	b = append(b, `,"lat":`...)
	b = jsonenc.Float(b, p.Lat)
	b = append(b, `,"lng":`...)
	b = jsonenc.Float(b, p.Lng)
	b = append(b, `,"at":`...)
	b = jsonenc.Time(b, p.At)
	b = append(b, `,"distance_m":`...)
	return &nearbyHead{name: p.Name, lat: math.Float64bits(p.Lat), lng: math.Float64bits(p.Lng), at: p.At, js: b}
}

// of reports whether h was made of p (whose ID is h's key). Times compare
// with ==, not Equal: equal values are written the same, in the same zone.
func (h *nearbyHead) of(p *geo.Position) bool {
	return h.name == p.Name && h.lat == math.Float64bits(p.Lat) && h.lng == math.Float64bits(p.Lng) && h.at == p.At
}

// nearbyHeads are the heads of the stalls seen in answers, by stall ID.
type nearbyHeads struct {
	mu sync.RWMutex
	m  map[uint64]*nearbyHead
}

// get returns the head of each hit in order, reusing the kept ones (one read
// lock for all) and keeping the ones it has to make.
func (hs *nearbyHeads) get(dst []*nearbyHead, hits []geo.Hit) []*nearbyHead {
	dst = dst[:0]
	var made []int // indexes into hits
	hs.mu.RLock()
	for i := range hits {
		h := hs.m[hits[i].ID]
		if h != nil && !h.of(&hits[i].Position) {
			h = nil
		}
		if h == nil {
			made = append(made, i)
		}
		dst = append(dst, h)
	}
	hs.mu.RUnlock()
	if len(made) == 0 {
		return dst
	}
	for _, i := range made {
		dst[i] = newNearbyHead(&hits[i].Position)
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.m == nil || len(hs.m)+len(made) > maxNearbyHeads {
		hs.m = make(map[uint64]*nearbyHead)
	}
	for _, i := range made {
		hs.m[hits[i].ID] = dst[i]
	}
	return dst
}

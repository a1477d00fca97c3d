package handlers

import (
	"context"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/realtime/jsonenc"
)

// An item of GET /pochas/nearby is what the live map knows of the stall,
// which changes only when the stall moves or is renamed, then its distance,
// then its card (category, stars, hours), which changes on an edit or a
// review:
//
//	{"id":7,"name":"…","lat":37.5,"lng":127,"at":"…","distance_m":12.3,"category":"…","rating":4.5,"review_count":12,"open_by_hours":true}
//
// Encoding those floats and that time again for every answer was the
// largest part of writing one (most stalls stand still between answers), so
// each stall's item is kept encoded but for its distance and open_by_hours,
// in one buffer, with the position it was made of and the cache's card it
// was made with. It is used only for a hit whose name, coordinates and time
// are exactly those, whatever the index, while that card is still the one
// the cards' cache serves (pochas.CachedCard.Current, asked through
// Service.CurrentCard, which also queues the card's refresh when it is due:
// a card read unchanged stays the same pointer, so its items stay kept): one
// lookup per stall and an answer, instead of one for the head and one for
// the card.

// maxNearbyHeads bounds the items kept; past it they start over (a stall
// that closed keeps its item until then).
const maxNearbyHeads = 100_000

// nearbyHead is the encoded item of one stall, without its distance and
// open_by_hours, and what it was made of.
//
// What an answer reads of a kept item comes first: what of compares, then
// epoch and fresh, by which the item knows its card is still the cache's
// without touching the card (pochas.Service.CardEpoch), and open, the
// card's open_by_hours for the minute; then the bytes.
type nearbyHead struct {
	name     string
	lat, lng uint64 // math.Float64bits: 0 and -0 are written differently
	at       time.Time
	// epoch is a cards' epoch at which card was seen Current, and fresh
	// its RefreshAt then: while the epoch is that and the time before
	// fresh, card is Current and needs no asking.
	epoch atomic.Uint64
	fresh atomic.Int64
	open  pochas.MinuteMemo // card's OpenAt, without reading the card
	card  *pochas.CachedCard
	// js is the head up to "distance_m": (js[:split]), then ',' and the
	// card's members that do not depend on the time (js[split:]).
	js    []byte
	split int
}

func newNearbyHead(p *geo.Position, card *pochas.CachedCard) *nearbyHead {
	b := make([]byte, 0, 160+len(p.Name)+len(card.Category))
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
	split := len(b)
	b = append(b, ',')
	b = card.AppendFixedJSON(b)
	return &nearbyHead{name: p.Name, lat: math.Float64bits(p.Lat), lng: math.Float64bits(p.Lng), at: p.At, card: card, js: b, split: split}
}

// of reports whether h was made of p (whose ID is h's key). Times compare
// with ==, not Equal: equal values are written the same, in the same zone.
func (h *nearbyHead) of(p *geo.Position) bool {
	return h.name == p.Name && h.lat == math.Float64bits(p.Lat) && h.lng == math.Float64bits(p.Lng) && h.at == p.At
}

// appendItem appends the item of the hit h was made for, at distance d
// and, for open_by_hours, at time t.
func (h *nearbyHead) appendItem(b []byte, d float64, t time.Time) []byte {
	b = append(b, h.js[:h.split]...)
	b = jsonenc.Tenths(b, d)
	b = append(b, h.js[h.split:]...)
	open, known := h.open.OpenAt(&h.card.Card, t)
	b = pochas.AppendOpenJSON(b, open, known)
	return append(b, '}')
}

// seen records that h's card was Current after the cards' epoch was epoch.
func (h *nearbyHead) seen(epoch uint64) {
	h.fresh.Store(h.card.RefreshAt())
	h.epoch.Store(epoch)
}

// current reports whether h's card is still the one the cache serves at
// now (nowN in Unix nanoseconds), the cards' epoch having been read as
// epoch before: by h's epoch and fresh alone while they hold, otherwise by
// asking cards (which queues the card's refresh when it is due).
func (h *nearbyHead) current(id, epoch uint64, now time.Time, nowN int64, cards cardSource) bool {
	if h.epoch.Load() == epoch && nowN < h.fresh.Load() {
		return true
	}
	if !cards.CurrentCard(id, h.card, now) {
		return false
	}
	h.seen(epoch)
	return true
}

// nearbyHeads are the items of the stalls seen in answers, by stall ID.
type nearbyHeads struct {
	mu sync.RWMutex
	m  map[uint64]*nearbyHead
}

// cardSource gives the cards' cache (pochas.Service).
type cardSource interface {
	Now() time.Time
	AppendCachedCards(ctx context.Context, dst []*pochas.CachedCard, ids []uint64) []*pochas.CachedCard
	// CurrentCard is card.Current(now) for the card of stall id kept with
	// an item, queueing the card's background refresh when it is due, so
	// that a card used only through kept items is renewed (in place while
	// it does not change) before it expires.
	CurrentCard(id uint64, card *pochas.CachedCard, now time.Time) bool
	// CardEpoch changes whenever the cache lets go of a card.
	CardEpoch() uint64
}

// get returns the item of each hit in order, reusing the kept ones (one read
// lock for all) and making the others, with the cards that cards gives for
// them; it keeps those made with a card the cache holds.
func (hs *nearbyHeads) get(ctx context.Context, dst []*nearbyHead, hits []geo.Hit, cards cardSource) []*nearbyHead {
	dst = dst[:0]
	var made []int // indexes into hits
	now := cards.Now()
	nowN := pochas.UnixNanos(now)
	epoch := cards.CardEpoch() // before any card is seen Current
	hs.mu.RLock()
	for i := range hits {
		h := hs.m[hits[i].ID]
		if h != nil && (!h.of(&hits[i].Position) || !h.current(hits[i].ID, epoch, now, nowN, cards)) {
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
	ids := make([]uint64, len(made))
	for j, i := range made {
		ids[j] = hits[i].ID
	}
	cs := cards.AppendCachedCards(ctx, nil, ids)
	keep := 0
	for j, i := range made {
		dst[i] = newNearbyHead(&hits[i].Position, cs[j])
		if cs[j].Current(now) {
			dst[i].seen(epoch)
			keep++
		}
	}
	if keep == 0 {
		return dst
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.m == nil || len(hs.m)+keep > maxNearbyHeads {
		hs.m = make(map[uint64]*nearbyHead)
	}
	for _, i := range made {
		if dst[i].card.Current(now) {
			hs.m[hits[i].ID] = dst[i]
		}
	}
	return dst
}

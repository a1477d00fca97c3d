package pochas

import (
	"context"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/realtime/jsonenc"
	"github.com/illuwa/illuwa/store"
)

// Card is what a map or a list shows of a stall beside its name and
// position: its category, its reviews' stars and whether its business hours
// say it is open now. A card from the service is read-only: AppendJSON
// writes what it was made with.
type Card struct {
	Category    string
	ReviewCount int64
	// Rating is the mean of the public reviews' stars rounded to 0.1; 0
	// when there are none.
	Rating float64
	Hours  store.Hours
	week   week // Hours, parsed once when the card is made
	// js is the card's category, rating and review_count as AppendJSON
	// writes them, encoded once when the card is made.
	js []byte
}

// AppendJSON appends the card's fields at t to b as the members of a JSON
// object, byte for byte as encoding/json writes them for realtime.StallView:
//
//	"category":"…","rating":4.5,"review_count":12,"open_by_hours":true
//
// (open_by_hours is null when the owner wrote no hours). A cached card
// carries its first three members already encoded.
func (c *Card) AppendJSON(b []byte, t time.Time) []byte {
	if c.js != nil {
		b = append(b, c.js...)
	} else { // a card made by hand, not by cardOf
		b = c.appendFixedJSON(b)
	}
	b = append(b, `,"open_by_hours":`...)
	switch open, known := c.OpenAt(t); {
	case !known:
		return append(b, "null"...)
	case open:
		return append(b, "true"...)
	default:
		return append(b, "false"...)
	}
}

// appendFixedJSON appends the members of AppendJSON that do not depend on
// the time.
func (c *Card) appendFixedJSON(b []byte) []byte {
	b = append(b, `"category":`...)
	b = jsonenc.String(b, c.Category)
	b = append(b, `,"rating":`...)
	b = jsonenc.Float(b, c.Rating)
	b = append(b, `,"review_count":`...)
	return strconv.AppendInt(b, c.ReviewCount, 10)
}

// OpenAt is whether the card's hours say the stall is open at t; known is
// false when the owner wrote no hours.
func (c *Card) OpenAt(t time.Time) (open, known bool) {
	if c.week == nil && len(c.Hours) > 0 { // a card made by hand, not by cardOf
		return OpenByHours(c.Hours, t)
	}
	return c.week.openAt(t), len(c.week) > 0
}

// OpenByHours is whether the card's hours say the stall is open at t (nil
// when the owner wrote no hours).
func (c Card) OpenByHours(t time.Time) *bool {
	open, known := c.OpenAt(t)
	if !known {
		return nil
	}
	return &open
}

// cardTTL is how long a card is served from memory: an edit on another
// instance or a new review shows within it. Edits through this instance
// show at once.
const cardTTL = 30 * time.Second

// maxCards bounds the cache; past it, expired cards are swept, and if that
// is not enough the cache starts over.
const maxCards = 100_000

type cachedCard struct {
	Card
	until time.Time
}

// cards caches the Card of each stall for the hot paths (GET /pochas/nearby,
// the WebSocket snapshot), which would otherwise read the database once per
// answer.
type cards struct {
	mu sync.RWMutex
	m  map[uint64]cachedCard
}

// Cards returns the card of each stall in ids, in order (a zero Card for a
// stall that does not exist). The ones not cached (or expired) are read in
// two queries; a failed read leaves them zero: the answers they decorate
// stay useful without them.
func (s *Service) Cards(ctx context.Context, ids []uint64) []Card {
	return s.AppendCards(ctx, nil, ids)
}

// AppendCards appends the card of each stall in ids to dst, in order, as
// Cards returns them: with a dst kept from an earlier call, the hot paths
// allocate nothing for the cached ones.
func (s *Service) AppendCards(ctx context.Context, dst []Card, ids []uint64) []Card {
	n := len(dst)
	dst = slices.Grow(dst, len(ids))[:n+len(ids)]
	out := dst[n:]
	clear(out)
	now := s.now()
	var missing []int // indexes into ids
	s.cards.mu.RLock()
	for i, id := range ids {
		if c, ok := s.cards.m[id]; ok && now.Before(c.until) {
			out[i] = c.Card
		} else {
			missing = append(missing, i)
		}
	}
	s.cards.mu.RUnlock()
	if len(missing) == 0 {
		return dst
	}
	want := make([]uint64, len(missing))
	for j, i := range missing {
		want[j] = ids[i]
	}
	found, err := s.store.PochasByIDs(ctx, want)
	if err != nil {
		return dst
	}
	// A stall the database does not know (deleted, or not yet committed)
	// gets a zero card, cached too, so that it costs no read per answer
	// either.
	rows := make([]store.Pocha, len(want))
	for j, id := range want {
		rows[j] = found[id]
		rows[j].ID = id
	}
	for j, c := range s.cardsOf(ctx, rows) {
		out[missing[j]] = c
	}
	return dst
}

// cardsOf returns the cards of ps, in order, from the cache or from the rows
// given and one read of the review summaries of those not cached.
func (s *Service) cardsOf(ctx context.Context, ps []store.Pocha) []Card {
	now := s.now()
	out := make([]Card, len(ps))
	var missing []uint64
	s.cards.mu.RLock()
	for i, p := range ps {
		if c, ok := s.cards.m[p.ID]; ok && now.Before(c.until) {
			out[i] = c.Card
		} else {
			missing = append(missing, p.ID)
		}
	}
	s.cards.mu.RUnlock()
	if len(missing) == 0 {
		return out
	}
	sums, err := s.store.ReviewSummaries(ctx, missing)
	if err != nil {
		return out
	}
	s.cards.mu.Lock()
	defer s.cards.mu.Unlock()
	if s.cards.m == nil || len(s.cards.m)+len(missing) > maxCards {
		s.sweepLocked(now)
	}
	for i, p := range ps {
		if c, cached := s.cards.m[p.ID]; cached && now.Before(c.until) {
			out[i] = c.Card // cached before, or by another answer meanwhile
			continue
		}
		out[i] = cardOf(p, sums[p.ID])
		s.cards.m[p.ID] = cachedCard{Card: out[i], until: now.Add(cardTTL)}
	}
	return out
}

// Describe fills in the category, stars and open-by-hours of each stall on
// the live map (livemap.Describer: the WebSocket snapshot).
func (s *Service) Describe(ctx context.Context, vs []realtime.StallView) {
	ids := make([]uint64, len(vs))
	for i := range vs {
		ids[i] = vs[i].ID
	}
	now := s.now()
	for i, c := range s.Cards(ctx, ids) {
		vs[i].Category, vs[i].Rating, vs[i].ReviewCount, vs[i].OpenByHours = c.Category, c.Rating, c.ReviewCount, c.OpenByHours(now)
	}
}

func (s *Service) sweepLocked(now time.Time) {
	if s.cards.m == nil {
		s.cards.m = map[uint64]cachedCard{}
		return
	}
	for id, c := range s.cards.m {
		if !now.Before(c.until) {
			delete(s.cards.m, id)
		}
	}
	if len(s.cards.m) > maxCards/2 {
		s.cards.m = map[uint64]cachedCard{}
	}
}

// Forget drops a stall's cached card after a change through this instance
// (an edit, a review), so its next answers show it.
func (s *Service) Forget(id uint64) {
	s.cards.mu.Lock()
	delete(s.cards.m, id)
	s.cards.mu.Unlock()
}

func cardOf(p store.Pocha, sum store.ReviewSummary) Card {
	c := Card{Category: p.Category, ReviewCount: sum.Count, Hours: p.Hours, week: weekOf(p.Hours)}
	if sum.Count > 0 {
		c.Rating = math.Round(float64(sum.Sum)/float64(sum.Count)*10) / 10
	}
	c.js = c.appendFixedJSON(make([]byte, 0, 48+len(c.Category)))
	return c
}

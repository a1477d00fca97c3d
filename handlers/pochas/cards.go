package pochas

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// Card is what a map or a list shows of a stall beside its name and
// position: its category, its reviews' stars and whether its business hours
// say it is open now.
type Card struct {
	Category    string
	ReviewCount int64
	// Rating is the mean of the public reviews' stars rounded to 0.1; 0
	// when there are none.
	Rating float64
	Hours  store.Hours
	week   week // Hours, parsed once when the card is made
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
	now := s.now()
	out := make([]Card, len(ids))
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
		return out
	}
	want := make([]uint64, len(missing))
	for j, i := range missing {
		want[j] = ids[i]
	}
	found, err := s.store.PochasByIDs(ctx, want)
	if err != nil {
		return out
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
	return out
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
		if _, cached := s.cards.m[p.ID]; cached && now.Before(s.cards.m[p.ID].until) {
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
	return c
}

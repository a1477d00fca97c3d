package pochas

import (
	"context"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
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
	return c.AppendOpenJSON(c.AppendFixedJSON(b), t)
}

// AppendFixedJSON appends the members of AppendJSON that do not depend on
// the time, "category":…,"review_count":12, the cached encoding when the
// card has one.
func (c *Card) AppendFixedJSON(b []byte) []byte {
	if c.js != nil {
		return append(b, c.js...)
	}
	return c.appendFixedJSON(b) // a card made by hand, not by cardOf
}

// AppendOpenJSON appends the member of AppendJSON that depends on the time,
// ,"open_by_hours":true (with its leading comma).
func (c *Card) AppendOpenJSON(b []byte, t time.Time) []byte {
	open, known := c.OpenAt(t)
	return appendOpenJSON(b, open, known)
}

// AppendOpenJSON appends ,"open_by_hours": with open, or null when not
// known: Card.AppendOpenJSON given OpenAt's answer.
func AppendOpenJSON(b []byte, open, known bool) []byte { return appendOpenJSON(b, open, known) }

// appendOpenJSON appends ,"open_by_hours": with open, or null when not
// known.
func appendOpenJSON(b []byte, open, known bool) []byte {
	b = append(b, `,"open_by_hours":`...)
	switch {
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

// cardRefreshAfter is how long after its read a card served is read again
// in the background (refresh-ahead), so that the cards in use are renewed
// before they expire instead of by the answers that find them expired; an
// unchanged card is extended in place (the same pointer), a changed one
// replaced. See refresh.go.
const cardRefreshAfter = 20 * time.Second

// maxCards bounds the cache; past it, expired cards are swept, and if that
// is not enough the cache starts over.
const maxCards = 100_000

// CachedCard is a card as the cache holds it: read-only, with the time it
// is served until. Once the cache lets go of it (an edit or a review through
// this instance, a newer read, a sweep) it is dropped for good, so a caller
// that keeps the pointer can tell, with Current, whether the cache would
// still answer with it, without a lookup.
//
// What Current and OpenAt read per answer (until, dropped, the minute's
// open state; queued, which the lookups that may queue a refresh read)
// comes first, so that one cache line serves them; the card follows.
type CachedCard struct {
	// until is when the card expires, in Unix nanoseconds of the service's
	// clock; a background refresh that finds the card unchanged moves it
	// on (see refresh.go), which is why it is atomic.
	until   atomic.Int64
	dropped atomic.Bool
	// queued is set (CompareAndSwap) while the card waits for or is in its
	// background refresh, so that it is queued once.
	queued atomic.Bool
	// minute memoises OpenAt for one minute.
	minute MinuteMemo
	Card
	// found is whether the database had the stall when the card was read
	// (a zero card otherwise).
	found bool
}

type cachedCard = CachedCard

// NewCachedCard returns c as a cached card served until until, which no
// cache drops: for a cache of the caller's own (and tests).
func NewCachedCard(c Card, until time.Time) *CachedCard {
	cc := &CachedCard{Card: c}
	cc.until.Store(unixNanos(until))
	return cc
}

// newCachedCard is a card the cache read at now, of a stall the database
// had (found) or not.
func newCachedCard(c Card, found bool, now int64) *CachedCard {
	cc := &CachedCard{Card: c, found: found}
	cc.until.Store(now + int64(cardTTL))
	return cc
}

// unixNanos is t in Unix nanoseconds, clamped to the int64 range (the zero
// time is long before it).
func unixNanos(t time.Time) int64 {
	switch sec := t.Unix(); {
	case sec < math.MinInt64/1_000_000_000+1:
		return math.MinInt64
	case sec > math.MaxInt64/1_000_000_000-1:
		return math.MaxInt64
	}
	return t.UnixNano()
}

// Current reports whether the cache still serves c at now (the service's
// clock, Service.Now): not dropped and not expired.
func (c *CachedCard) Current(now time.Time) bool {
	return c.current(unixNanos(now))
}

// current is Current at now in Unix nanoseconds.
func (c *CachedCard) current(now int64) bool {
	return now < c.until.Load() && !c.dropped.Load()
}

// OpenAt is Card.OpenAt, remembered for the minute of t (MinuteMemo).
// Reading it back touches only the line Current reads, not the week.
func (c *CachedCard) OpenAt(t time.Time) (open, known bool) {
	return c.minute.OpenAt(&c.Card, t)
}

// MinuteMemo remembers a card's OpenAt for one minute: business hours are
// whole minutes of Korea time, whose offset from UTC is whole hours, so the
// answer is the same for every t in one minute since the Unix epoch. It is
// safe for concurrent use; a memo serves one card, whose hours never change
// (a cached card's content is fixed).
type MinuteMemo struct {
	v atomic.Uint64 // packMinute(unix minute, open, known), 0 for none yet
}

// OpenAt is c.OpenAt(t), remembered for the minute of t.
func (mm *MinuteMemo) OpenAt(c *Card, t time.Time) (open, known bool) {
	sec := t.Unix() // rounded down
	if sec < 0 || sec >= maxMemoSecond {
		return c.OpenAt(t)
	}
	m := uint64(sec) / 60
	if v := mm.v.Load(); v>>2 == m+1 {
		return v&1 != 0, v&2 != 0
	}
	open, known = c.OpenAt(t)
	mm.v.Store(packMinute(m, open, known))
	return open, known
}

// maxMemoSecond bounds the Unix seconds whose minute fits packMinute.
const maxMemoSecond = 1 << 60

// packMinute packs a Unix minute (below 1<<61) with an OpenAt answer; it is
// never 0.
func packMinute(m uint64, open, known bool) uint64 {
	v := (m + 1) << 2
	if open {
		v |= 1
	}
	if known {
		v |= 2
	}
	return v
}

// Now is the service's clock, which the cards' expiry is judged by.
func (s *Service) Now() time.Time { return s.now() }

// cards caches the Card of each stall for the hot paths (GET /pochas/nearby,
// the WebSocket snapshot), which would otherwise read the database once per
// answer.
type cards struct {
	mu sync.RWMutex
	m  map[uint64]*cachedCard // by pointer: a lookup touches 16 bytes, and callers may keep the card

	refresh refresher // the cards queued for a background read

	// epoch counts the cards the cache has let go of (drop), so that a
	// caller that saw a card Current can tell, by the epoch alone, that it
	// has not been dropped since (CardEpoch).
	epoch atomic.Uint64
}

// drop lets go of c for good: it is never Current again, and the epoch
// moves on.
func (s *Service) drop(c *cachedCard) {
	c.dropped.Store(true)
	s.cards.epoch.Add(1)
}

// CardEpoch changes whenever the cache lets go of a card (an edit or a
// review through this instance, a changed card read again, a sweep). A
// caller that read e := CardEpoch() and then saw a card Current may take it,
// while CardEpoch() is still e, as not dropped since: Current at every time
// before its expiry, and before its RefreshAt without asking the service
// (CurrentCard), which saves touching the card itself per answer.
func (s *Service) CardEpoch() uint64 { return s.cards.epoch.Load() }

// RefreshAt is, in Unix nanoseconds of the service's clock, when c is due
// for its background refresh (before its expiry): from then on a caller
// keeping c asks the service about it (CurrentCard), which queues the
// refresh. A refresh that finds c unchanged moves it later.
func (c *CachedCard) RefreshAt() int64 { return refreshAt(c.until.Load()) }

// refreshAt is the refresh point of a card expiring at until.
func refreshAt(until int64) int64 { return until - int64(cardTTL-cardRefreshAfter) }

// lookupLocked returns the cached card of id while it is current at now
// (Unix nanoseconds), queueing its refresh when it is due; nil when there is
// none. The caller holds s.cards.mu.
func (s *Service) lookupLocked(id uint64, now int64) *cachedCard {
	if c := s.cards.m[id]; c != nil && s.serve(id, c, now) {
		return c
	}
	return nil
}

// serve reports whether c, the cache's card of id, is current at now (Unix
// nanoseconds), queueing its refresh when it is due.
func (s *Service) serve(id uint64, c *cachedCard, now int64) bool {
	until := c.until.Load()
	if now >= until || c.dropped.Load() {
		return false
	}
	if now >= refreshAt(until) && now >= s.cards.refresh.pausedUntil.Load() {
		s.queueRefresh(id, c)
	}
	return true
}

// UnixNanos is t in Unix nanoseconds as the cards' cache reads its clock
// (clamped to the int64 range), for comparing with RefreshAt.
func UnixNanos(t time.Time) int64 { return unixNanos(t) }

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
	now := unixNanos(s.now())
	var missing []int // indexes into ids
	s.cards.mu.RLock()
	for i, id := range ids {
		if c := s.lookupLocked(id, now); c != nil {
			out[i] = c.Card
		} else {
			missing = append(missing, i)
		}
	}
	s.cards.mu.RUnlock()
	if len(missing) == 0 {
		return dst
	}
	for j, c := range s.readCards(ctx, ids, missing) {
		out[missing[j]] = c.Card
	}
	return dst
}

// AppendCachedCards is AppendCards giving the cache's own cards (read-only)
// instead of copies, so that a caller may keep them and ask Current later
// instead of looking them up again. A card that could not be read is a zero
// card that is never Current.
func (s *Service) AppendCachedCards(ctx context.Context, dst []*CachedCard, ids []uint64) []*CachedCard {
	n := len(dst)
	dst = slices.Grow(dst, len(ids))[:n+len(ids)]
	out := dst[n:]
	now := unixNanos(s.now())
	var missing []int // indexes into ids
	s.cards.mu.RLock()
	for i, id := range ids {
		if c := s.lookupLocked(id, now); c != nil {
			out[i] = c
		} else {
			out[i] = nil
			missing = append(missing, i)
		}
	}
	s.cards.mu.RUnlock()
	if len(missing) == 0 {
		return dst
	}
	for j, c := range s.readCards(ctx, ids, missing) {
		out[missing[j]] = c
	}
	return dst
}

// readCards reads the cards of ids[missing[j]] from the database (two
// queries), caching them. A stall the database does not know (deleted, or
// not yet committed) gets a zero card, cached too, so that it costs no read
// per answer either; a failed read gives zero cards, not cached.
func (s *Service) readCards(ctx context.Context, ids []uint64, missing []int) []*CachedCard {
	want := make([]uint64, len(missing))
	for j, i := range missing {
		want[j] = ids[i]
	}
	found, err := s.store.PochasByIDs(ctx, want)
	if err != nil {
		return uncachedCards(len(want))
	}
	rows := make([]store.Pocha, len(want))
	for j, id := range want {
		rows[j] = found[id]
		rows[j].ID = id
	}
	return s.cachedCardsOf(ctx, rows, found)
}

// uncachedCards returns n zero cards that are never Current.
func uncachedCards(n int) []*CachedCard {
	zero := make([]CachedCard, n)
	out := make([]*CachedCard, n)
	for i := range zero {
		out[i] = &zero[i]
	}
	return out
}

// cardsOf returns the cards of ps, in order, from the cache or from the rows
// given and one read of the review summaries of those not cached.
func (s *Service) cardsOf(ctx context.Context, ps []store.Pocha) []Card {
	out := make([]Card, len(ps))
	for i, c := range s.cachedCardsOf(ctx, ps, nil) {
		out[i] = c.Card
	}
	return out
}

// cachedCardsOf is cardsOf giving the cache's cards (zero ones, never
// Current, where the review summaries could not be read). found, when not
// nil, tells which of ps the database had (the others are zero rows of
// their ids); nil means all of them.
func (s *Service) cachedCardsOf(ctx context.Context, ps []store.Pocha, found map[uint64]store.Pocha) []*CachedCard {
	now := unixNanos(s.now())
	out := make([]*CachedCard, len(ps))
	var missing []uint64
	s.cards.mu.RLock()
	for i, p := range ps {
		if c := s.lookupLocked(p.ID, now); c != nil {
			out[i] = c
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
		for i, c := range uncachedCards(len(ps)) {
			if out[i] == nil {
				out[i] = c
			}
		}
		return out
	}
	s.cards.mu.Lock()
	defer s.cards.mu.Unlock()
	if s.cards.m == nil || len(s.cards.m)+len(missing) > maxCards {
		s.sweepLocked(now)
	}
	for i, p := range ps {
		if c := s.cards.m[p.ID]; c != nil && c.current(now) {
			out[i] = c // cached before, or by another answer meanwhile
			continue
		}
		_, ok := found[p.ID]
		c := newCachedCard(cardOf(p, sums[p.ID]), ok || found == nil, now)
		if old := s.cards.m[p.ID]; old != nil {
			s.drop(old)
		}
		s.cards.m[p.ID] = c
		out[i] = c
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

func (s *Service) sweepLocked(now int64) {
	if s.cards.m == nil {
		s.cards.m = map[uint64]*cachedCard{}
		return
	}
	for id, c := range s.cards.m {
		if now >= c.until.Load() {
			s.drop(c)
			delete(s.cards.m, id)
		}
	}
	if len(s.cards.m) > maxCards/2 {
		for _, c := range s.cards.m {
			s.drop(c)
		}
		s.cards.m = map[uint64]*cachedCard{}
	}
}

// Forget drops a stall's cached card after a change through this instance
// (an edit, a review), so its next answers show it.
func (s *Service) Forget(id uint64) {
	s.cards.mu.Lock()
	if c := s.cards.m[id]; c != nil {
		s.drop(c)
		delete(s.cards.m, id)
	}
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

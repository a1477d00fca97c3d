package pochas

import (
	"context"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/illuwa/illuwa/store"
)

// Refresh-ahead: a card served past its refresh point (cardRefreshAfter
// after its read) is queued, once, for a background read; the answer goes
// on with the card it has and never waits. One reader at a time, started
// when a card is queued and none runs and ending when the queue is empty,
// reads the queued stalls a batch at a time with the queries a lookup uses.
// A card read unchanged gets a new expiry in place, so that callers keeping
// the pointer (the nearby answer's items) and its memo keep it; a changed
// one is replaced, the old one dropped, as a lookup after expiry would. A
// card the cache let go of meanwhile (replaced, forgotten, swept, expired)
// is left as it is; a failed read leaves the cards to their TTL.

// refreshBatchSize bounds the stalls of one background read: each of its
// two queries binds them all, and SQLite allows 999 variables.
const refreshBatchSize = 300

// maxRefreshQueue bounds the cards waiting for a background read; past it
// a card is not queued and expires at its TTL.
const maxRefreshQueue = 20_000

// refreshGather is how long a reader, once started, lets cards queue
// before its first read. Cards fall due one by one, as the answers that
// read them did; a reader that read at once took them one or two at a time
// (24,480 reads for 30,000 cards under the nearby load, two queries each,
// which cost as much as the reads in the answers had). A card is due ten
// seconds before it expires, so the wait costs nothing an answer sees.
const refreshGather = 250 * time.Millisecond

// refreshTimeout bounds one background read.
const refreshTimeout = 10 * time.Second

// refreshRetryPause is how long no card is queued after a failed
// background read: with the database down, the answers would otherwise
// queue their cards again at once and the reader would retry back to back.
// The cards are left to their TTL meanwhile, as without refresh-ahead.
const refreshRetryPause = 2 * time.Second

// refresher is the queue of cards waiting for their background read.
type refresher struct {
	mu      sync.Mutex
	queue   []refreshItem
	running bool          // a reader runs; it ends when queue is empty
	done    chan struct{} // closed when the running reader has ended
	stats   refreshCounters
	// pausedUntil (Unix nanoseconds of the service's clock) is when cards
	// may be queued again after a failed read (refreshRetryPause).
	pausedUntil atomic.Int64
}

type refreshItem struct {
	id uint64
	c  *cachedCard
}

type refreshCounters struct {
	queued, full, reads, failed, kept, replaced, gone atomic.Uint64
}

// CardRefreshStats counts the background reads of the cards' cache since
// the service started.
type CardRefreshStats struct {
	Queued   uint64 // cards queued for a background read
	Full     uint64 // cards not queued, the queue being full (left to their TTL)
	Reads    uint64 // background reads (two queries each)
	Failed   uint64 // cards whose read failed (left to their TTL)
	Kept     uint64 // cards read unchanged: served on, the same pointer
	Replaced uint64 // cards read changed: replaced, the old one dropped
	Gone     uint64 // cards the cache let go of before their read was applied (left alone)
}

// CardRefreshStats returns the counts of the cards' background reads.
func (s *Service) CardRefreshStats() CardRefreshStats {
	st := &s.cards.refresh.stats
	return CardRefreshStats{Queued: st.queued.Load(), Full: st.full.Load(), Reads: st.reads.Load(), Failed: st.failed.Load(),
		Kept: st.kept.Load(), Replaced: st.replaced.Load(), Gone: st.gone.Load()}
}

// CurrentCard is c.Current(now) for c, the cache's card of stall id that a
// caller kept (AppendCachedCards), queueing c's background refresh when it
// is due as a lookup would: a caller that asks this instead of Current
// keeps its cards renewed, and the same, while they do not change.
func (s *Service) CurrentCard(id uint64, c *CachedCard, now time.Time) bool {
	return s.serve(id, c, unixNanos(now))
}

// queueRefresh queues c, the card of id, for a background read unless it is
// queued already, starting the reader when none runs. It never waits for a
// read: with the queue full it leaves c to its TTL.
func (s *Service) queueRefresh(id uint64, c *cachedCard) {
	if !c.queued.CompareAndSwap(false, true) {
		return
	}
	r := &s.cards.refresh
	r.mu.Lock()
	if len(r.queue) >= maxRefreshQueue {
		r.mu.Unlock()
		c.queued.Store(false)
		r.stats.full.Add(1)
		return
	}
	r.queue = append(r.queue, refreshItem{id: id, c: c})
	r.stats.queued.Add(1)
	if !r.running {
		r.running = true
		r.done = make(chan struct{})
		go s.refreshCards(r.done)
	}
	r.mu.Unlock()
}

// refreshCards waits refreshGather, then reads the queued cards a batch at
// a time until the queue is empty, and ends, closing done.
func (s *Service) refreshCards(done chan struct{}) {
	defer close(done)
	time.Sleep(refreshGather)
	r := &s.cards.refresh
	var batch []refreshItem
	for {
		r.mu.Lock()
		n := min(len(r.queue), refreshBatchSize)
		if n == 0 {
			r.queue = nil
			r.running = false
			r.mu.Unlock()
			return
		}
		batch = append(batch[:0], r.queue[:n]...)
		clear(r.queue[:n])
		r.queue = r.queue[n:]
		r.mu.Unlock()
		s.refreshBatch(batch)
		clear(batch)
	}
}

// refreshBatch reads the cards of batch again and applies what it read.
func (s *Service) refreshBatch(batch []refreshItem) {
	r := &s.cards.refresh
	now := unixNanos(s.now())
	live := batch[:0]
	ids := make([]uint64, 0, len(batch))
	for _, it := range batch {
		if it.c.current(now) {
			live = append(live, it)
			ids = append(ids, it.id)
		} else { // let go of since it was queued: nothing to read
			it.c.queued.Store(false)
			r.stats.gone.Add(1)
		}
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
	defer cancel()
	r.stats.reads.Add(1)
	found, err := s.store.PochasByIDs(ctx, ids)
	var sums map[uint64]store.ReviewSummary
	if err == nil {
		sums, err = s.store.ReviewSummaries(ctx, ids)
	}
	if err != nil {
		r.pausedUntil.Store(now + int64(refreshRetryPause))
		for _, it := range live {
			it.c.queued.Store(false)
		}
		r.stats.failed.Add(uint64(len(live)))
		return
	}
	until := now + int64(cardTTL) // as old as the read is
	s.cards.mu.Lock()
	defer s.cards.mu.Unlock()
	at := unixNanos(s.now())
	for _, it := range live {
		old := it.c
		p, ok := found[it.id]
		p.ID = it.id
		card := cardOf(p, sums[it.id])
		switch {
		case s.cards.m[it.id] != old || !old.current(at):
			r.stats.gone.Add(1) // replaced, forgotten, swept or expired meanwhile
		case ok == old.found && sameCard(&card, &old.Card):
			if until > old.until.Load() {
				old.until.Store(until)
			}
			r.stats.kept.Add(1)
		default:
			s.drop(old)
			s.cards.m[it.id] = newCachedCard(card, ok, now)
			r.stats.replaced.Add(1)
		}
		old.queued.Store(false)
	}
}

// sameCard reports whether a and b, made by cardOf, show the same: the
// same category, stars and hours.
func sameCard(a, b *Card) bool {
	return a.Category == b.Category && a.ReviewCount == b.ReviewCount && a.Rating == b.Rating &&
		maps.EqualFunc(a.Hours, b.Hours, slices.Equal[[]store.Span])
}

// waitRefreshed waits until no background read runs (for tests).
func (s *Service) waitRefreshed() {
	r := &s.cards.refresh
	for {
		r.mu.Lock()
		if !r.running {
			r.mu.Unlock()
			return
		}
		done := r.done
		r.mu.Unlock()
		<-done
	}
}

// refreshing reports whether a background reader runs (for tests).
func (s *Service) refreshing() bool {
	r := &s.cards.refresh
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.running
}

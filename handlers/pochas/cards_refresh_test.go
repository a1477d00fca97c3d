package pochas

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// refreshFixture is a stalls service with a clock the test moves, on a
// store whose reads of cards it counts and can hold up.
type refreshFixture struct {
	*fixture
	svc    *Service // on the counted store, with the test's clock
	clock  atomic.Int64
	start  time.Time
	reads  atomic.Int64 // PochasByIDs queries (one per read of cards)
	hold   atomic.Bool  // the next PochasByIDs query waits for release
	held   chan struct{}
	resume chan struct{}
	record atomic.Bool // count the ids of each PochasByIDs query in sizes
	mu     sync.Mutex
	sizes  []int
	before int // goroutines after the first read
}

func newRefreshFixture(t *testing.T) *refreshFixture {
	t.Helper()
	st := storetest.Open(t, store.SQLite)
	f := &refreshFixture{fixture: newFixture(t, st, nil), start: time.Date(2026, 5, 1, 19, 30, 0, 0, time.UTC),
		held: make(chan struct{}), resume: make(chan struct{})}
	f.clock.Store(f.start.UnixNano())
	traced := st.Traced(func(sql string) {
		if !strings.Contains(sql, "FROM `pochas` WHERE id IN") {
			return
		}
		f.reads.Add(1)
		if f.record.Load() {
			f.mu.Lock()
			f.sizes = append(f.sizes, strings.Count(sql, ",")+1)
			f.mu.Unlock()
		}
		if f.hold.CompareAndSwap(true, false) {
			close(f.held)
			<-f.resume
		}
	})
	f.svc = New(Deps{Store: traced, Now: func() time.Time { return time.Unix(0, f.clock.Load()).UTC() }})
	return f
}

// at sets the clock to d after the start.
func (f *refreshFixture) at(d time.Duration) { f.clock.Store(f.start.Add(d).UnixNano()) }

// stall creates a stall of the fixture's owner.
func (f *refreshFixture) stall(t *testing.T, name, category string) uint64 {
	t.Helper()
	p := store.Pocha{OwnerID: f.owner.ID, Name: name, Category: category,
		Hours: store.Hours{"mon": {{Open: "18:00", Close: "02:00"}}}}
	if err := f.st.CreatePocha(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// edit changes a stall in the store, as another instance would: without
// Forget.
func (f *refreshFixture) edit(t *testing.T, id uint64, patch store.PochaPatch) {
	t.Helper()
	if _, err := f.st.UpdatePocha(context.Background(), id, f.owner.ID, patch); err != nil {
		t.Fatal(err)
	}
}

// waitHeld waits for the read that hold holds up.
func (f *refreshFixture) waitHeld(t *testing.T) {
	t.Helper()
	select {
	case <-f.held:
	case <-time.After(10 * time.Second):
		t.Fatal("no read of cards came")
	}
}

// noRefresher checks that no background reader runs and that the
// goroutines settle back to those there were after the first read.
func (f *refreshFixture) noRefresher(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.svc.refreshing() || runtime.NumGoroutine() > f.before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), f.before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCardRefreshUnchanged: a card served after its refresh point is read
// again in the background, the answer not waiting for it; unchanged (a
// stall, one of no category, and one the database does not have), it keeps
// its pointer and is Current, and served without a read, past the TTL it
// had.
func TestCardRefreshUnchanged(t *testing.T) {
	f := newRefreshFixture(t)
	ctx := context.Background()
	ids := []uint64{f.pocha.ID, f.stall(t, "plain", ""), 9999}
	first := f.svc.AppendCachedCards(ctx, nil, ids)
	f.before = runtime.NumGoroutine()
	if n := f.reads.Load(); n != 1 {
		t.Fatalf("%d reads for the first answer, want 1", n)
	}

	f.at(cardRefreshAfter - time.Second)
	f.svc.AppendCachedCards(ctx, nil, ids)
	f.svc.waitRefreshed()
	if st := f.svc.CardRefreshStats(); st.Queued != 0 || f.reads.Load() != 1 {
		t.Fatalf("before the refresh point: %+v, %d reads", st, f.reads.Load())
	}

	f.at(cardRefreshAfter + time.Second)
	got := f.svc.AppendCachedCards(ctx, nil, ids)
	for i := range ids {
		if got[i] != first[i] {
			t.Fatalf("card %d past its refresh point: another card", ids[i])
		}
	}
	f.noRefresher(t)
	// The reader may start on the first card queued, before the others are.
	st := f.svc.CardRefreshStats()
	if st.Queued != 3 || st.Reads < 1 || st.Reads > 3 || st.Kept != 3 || st.Replaced+st.Failed+st.Gone != 0 {
		t.Fatalf("refresh of 3 unchanged cards: %+v", st)
	}
	reads := f.reads.Load()
	if reads != 1+int64(st.Reads) {
		t.Fatalf("%d reads, want the first and the refresh's %d", reads, st.Reads)
	}

	f.at(cardTTL + 5*time.Second) // past the first read's TTL, not the refresh's
	for i, c := range first {
		if !c.Current(f.svc.Now()) {
			t.Fatalf("card %d refreshed unchanged is not current past its old TTL", ids[i])
		}
	}
	got = f.svc.AppendCachedCards(ctx, nil, ids)
	for i := range ids {
		if got[i] != first[i] {
			t.Fatalf("card %d refreshed unchanged: another card past the old TTL", ids[i])
		}
	}
	if f.reads.Load() != reads {
		t.Fatalf("%d reads past the old TTL, want none more", f.reads.Load()-reads)
	}
	f.at(cardRefreshAfter + time.Second + cardTTL)
	if first[0].Current(f.svc.Now()) {
		t.Fatal("a refreshed card is current past the refresh's TTL")
	}
	f.noRefresher(t)
}

// TestCardRefreshChanged: a card whose stall changed in the store (as an
// edit on another instance does, without Forget) is replaced by its
// refresh, the old pointer no longer Current and the answers served the new
// card without a read of their own; so is the zero card of a stall that did
// not exist and does now, though the new card shows the same.
func TestCardRefreshChanged(t *testing.T) {
	f := newRefreshFixture(t)
	ctx := context.Background()
	other := f.stall(t, "그대로 포차", "eomuk")
	hoursOf := f.stall(t, "시간 포차", "eomuk")
	next := hoursOf + 1 // not yet a stall
	ids := []uint64{f.pocha.ID, other, hoursOf, next}
	first := f.svc.AppendCachedCards(ctx, nil, ids)
	f.before = runtime.NumGoroutine()
	f.edit(t, f.pocha.ID, store.PochaPatch{Category: ptr("hotteok")})
	f.edit(t, hoursOf, store.PochaPatch{Hours: &store.Hours{"tue": {{Open: "18:00", Close: "02:00"}}}})
	bare := store.Pocha{OwnerID: f.owner.ID, Name: "이름만"} // no category, hours or reviews: a zero card
	if err := f.st.CreatePocha(ctx, &bare); err != nil || bare.ID != next {
		t.Fatalf("new stall %d (%v), want %d", bare.ID, err, next)
	}
	if first[3].Category != "" || first[3].found {
		t.Fatalf("card of a stall not yet created: %+v", first[3])
	}

	f.at(cardRefreshAfter)
	f.svc.AppendCachedCards(ctx, nil, ids)
	f.noRefresher(t)
	if st := f.svc.CardRefreshStats(); st.Kept != 1 || st.Replaced != 3 {
		t.Fatalf("refresh of 1 unchanged and 3 changed cards: %+v", st)
	}
	for _, i := range []int{0, 2, 3} {
		if first[i].Current(f.svc.Now()) {
			t.Fatalf("card %d replaced by its refresh is still current", ids[i])
		}
	}
	if !first[1].Current(f.svc.Now()) {
		t.Fatal("the unchanged card is not current")
	}
	reads := f.reads.Load()
	got := f.svc.AppendCachedCards(ctx, nil, ids)
	if f.reads.Load() != reads {
		t.Fatal("the answer after the refresh read the cards again")
	}
	if got[0] == first[0] || got[0].Category != "hotteok" || got[1] != first[1] || got[2] == first[2] || got[3] == first[3] {
		t.Fatalf("cards after the refresh: %+v %+v %+v %+v", got[0].Card, got[1].Card, got[2].Card, got[3].Card)
	}
	if open, _ := got[2].OpenAt(time.Date(2026, 5, 4, 19, 0, 0, 0, korea)); open { // a Monday
		t.Fatal("the replaced card has the old hours")
	}
	if !got[3].found || got[3].Category != "" {
		t.Fatalf("card of the new stall: %+v", got[3])
	}
}

// TestCardRefreshForgotten: a card let go of while its refresh reads it
// (Forget, and Forget then a newer read) is not brought back or
// overwritten by the refresh, even though the stall changed.
func TestCardRefreshForgotten(t *testing.T) {
	f := newRefreshFixture(t)
	ctx := context.Background()
	other := f.stall(t, "다른 포차", "eomuk")
	ids := []uint64{f.pocha.ID, other}
	first := f.svc.AppendCachedCards(ctx, nil, ids)
	f.before = runtime.NumGoroutine()

	f.hold.Store(true)
	f.at(cardRefreshAfter + time.Second)
	f.svc.AppendCachedCards(ctx, nil, ids)
	f.waitHeld(t) // the refresh has read the stalls, not the reviews yet
	f.edit(t, f.pocha.ID, store.PochaPatch{Category: ptr("hotteok")})
	f.svc.Forget(f.pocha.ID)
	f.svc.Forget(other)
	newer := f.svc.AppendCachedCards(ctx, nil, []uint64{other})[0]
	close(f.resume)
	f.noRefresher(t)

	if st := f.svc.CardRefreshStats(); st.Gone != 2 || st.Kept+st.Replaced != 0 {
		t.Fatalf("refresh of 2 forgotten cards: %+v", st)
	}
	f.svc.cards.mu.RLock()
	c, ok := f.svc.cards.m[f.pocha.ID]
	o := f.svc.cards.m[other]
	f.svc.cards.mu.RUnlock()
	if ok {
		t.Fatalf("the refresh brought a forgotten card back: %+v", c.Card)
	}
	if o != newer || !newer.Current(f.svc.Now()) {
		t.Fatal("the refresh overwrote the card read after Forget")
	}
	if first[0].Current(f.svc.Now()) || first[1].Current(f.svc.Now()) {
		t.Fatal("a forgotten card is current after its refresh")
	}
}

// TestCardRefreshQueuedOnce: many concurrent answers past the refresh
// point (lookups of every kind, the snapshot's Describe, and CurrentCard on
// kept cards) queue one
// refresh per card, read in batches SQLite can bind, while the first one
// is still reading.
func TestCardRefreshQueuedOnce(t *testing.T) {
	f := newRefreshFixture(t)
	ctx := context.Background()
	ids := []uint64{f.pocha.ID, f.stall(t, "둘", "eomuk")}
	for id := uint64(10_000); len(ids) < 700; id++ { // stalls the database does not have
		ids = append(ids, id)
	}
	first := f.svc.AppendCachedCards(ctx, nil, ids)
	f.before = runtime.NumGoroutine()
	reads := f.reads.Load()

	f.record.Store(true)
	f.hold.Store(true)
	f.at(cardRefreshAfter + time.Second)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			var cs []*CachedCard
			var cards []Card
			views := make([]realtime.StallView, len(ids))
			for i := range 20 {
				switch (g + i) % 4 {
				case 0:
					cs = f.svc.AppendCachedCards(ctx, cs[:0], ids)
				case 1:
					cards = f.svc.AppendCards(ctx, cards[:0], ids)
				case 2: // the WebSocket snapshot
					for j, id := range ids {
						views[j] = realtime.StallView{ID: id}
					}
					f.svc.Describe(ctx, views)
				default:
					for j, c := range first {
						if !f.svc.CurrentCard(ids[j], c, f.svc.Now()) {
							t.Errorf("card %d not current", ids[j])
							return
						}
					}
				}
			}
		})
	}
	f.waitHeld(t)
	wg.Wait()
	close(f.resume)
	f.noRefresher(t)
	st := f.svc.CardRefreshStats()
	if st.Queued != uint64(len(ids)) || st.Kept != uint64(len(ids)) || st.Full+st.Failed+st.Gone+st.Replaced != 0 {
		t.Fatalf("refresh of %d cards asked for by 160 answers: %+v", len(ids), st)
	}
	if n := f.reads.Load() - reads; n != int64(st.Reads) || n < 3 || n > 4 {
		t.Fatalf("%d reads of %d cards (%d counted), want 3 or 4", n, len(ids), st.Reads)
	}
	f.mu.Lock()
	sum := 0
	for _, n := range f.sizes {
		sum += n
		if n > refreshBatchSize {
			t.Errorf("a read of %d ids, want at most %d", n, refreshBatchSize)
		}
	}
	f.mu.Unlock()
	if sum != len(ids) {
		t.Errorf("reads of %v ids, want %d in all", f.sizes, len(ids))
	}
	for i, c := range f.svc.AppendCachedCards(ctx, nil, ids) {
		if c != first[i] {
			t.Fatalf("card %d: another card after its refresh", ids[i])
		}
	}
}

// TestCardRefreshGathers: cards falling due one by one, each in its own
// answer, within refreshGather, are read together, not one read each.
func TestCardRefreshGathers(t *testing.T) {
	f := newRefreshFixture(t)
	ctx := context.Background()
	var ids []uint64
	for id := uint64(20_000); len(ids) < 10; id++ { // stalls the database does not have
		ids = append(ids, id)
	}
	f.svc.AppendCachedCards(ctx, nil, ids)
	f.before = runtime.NumGoroutine()
	f.at(cardRefreshAfter + time.Second)
	for _, id := range ids { // 10 ms apart: a read of one card takes less
		f.svc.AppendCachedCards(ctx, nil, []uint64{id})
		time.Sleep(refreshGather / 25)
	}
	f.noRefresher(t)
	if st := f.svc.CardRefreshStats(); st.Queued != uint64(len(ids)) || st.Kept != uint64(len(ids)) || st.Reads > 2 {
		// One read, or two where the machine stalled past refreshGather.
		t.Fatalf("%d cards due one by one: %+v, want one read", len(ids), st)
	}
}

// TestCardRefreshFailed: a failed background read leaves the cards as they
// are, served until their TTL, and lets them be queued again.
func TestCardRefreshFailed(t *testing.T) {
	f := newRefreshFixture(t)
	ctx := context.Background()
	ids := []uint64{f.pocha.ID, 9999}
	first := f.svc.AppendCachedCards(ctx, nil, ids)
	f.before = runtime.NumGoroutine()
	_ = f.st.Close()

	f.at(cardRefreshAfter + time.Second)
	f.svc.AppendCachedCards(ctx, nil, ids)
	f.noRefresher(t)
	if st := f.svc.CardRefreshStats(); st.Queued != 2 || st.Failed != 2 || st.Kept+st.Replaced+st.Gone != 0 {
		t.Fatalf("failed refresh of 2 cards: %+v", st)
	}
	// Within the pause after a failed read, answers queue nothing: the
	// reader does not retry back to back while the database is down.
	f.at(cardRefreshAfter + time.Second + refreshRetryPause/2)
	f.svc.AppendCachedCards(ctx, nil, ids)
	f.noRefresher(t)
	if st := f.svc.CardRefreshStats(); st.Queued != 2 {
		t.Fatalf("cards queued again within %v of a failed refresh: %+v", refreshRetryPause, st)
	}
	f.at(cardTTL - time.Second)
	got := f.svc.AppendCachedCards(ctx, nil, ids)
	for i := range ids {
		if got[i] != first[i] || !first[i].Current(f.svc.Now()) {
			t.Fatalf("card %d after a failed refresh: not the cached one until its TTL", ids[i])
		}
	}
	f.noRefresher(t)
	if st := f.svc.CardRefreshStats(); st.Queued != 4 || st.Failed != 4 {
		t.Fatalf("cards not queued again after a failed refresh: %+v", st)
	}
	f.at(cardTTL)
	if first[0].Current(f.svc.Now()) {
		t.Fatal("a card whose refresh failed is current past its TTL")
	}
}

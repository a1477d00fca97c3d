package pochas

import (
	"context"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// TestCachedCardsCurrent: a card from AppendCachedCards is the cache's own
// and stays Current until it expires or the cache lets go of it (Forget, a
// newer read, a sweep that starts over), and never again after, so that a
// caller keeping it (GET /pochas/nearby) shows an edit as soon as a lookup
// would.
func TestCachedCardsCurrent(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	clock := time.Date(2026, 5, 1, 19, 30, 0, 0, time.UTC)
	svc := New(Deps{Store: st, Now: func() time.Time { return clock }})
	ctx := context.Background()
	ids := []uint64{1, 2, 3}
	first := svc.AppendCachedCards(ctx, nil, ids)
	for i, c := range first {
		if c == nil || !c.Current(svc.Now()) {
			t.Fatalf("card %d of a fresh read is not current: %+v", ids[i], c)
		}
	}
	again := svc.AppendCachedCards(ctx, nil, ids)
	for i := range ids {
		if again[i] != first[i] {
			t.Fatalf("card %d read again is another card, want the cached one", ids[i])
		}
	}
	if got := svc.AppendCards(ctx, nil, ids); len(got) != 3 || got[0].Category != first[0].Category {
		t.Fatalf("AppendCards %+v", got)
	}

	svc.Forget(2)
	if first[1].Current(svc.Now()) {
		t.Fatal("a forgotten card is still current")
	}
	if !first[0].Current(svc.Now()) || !first[2].Current(svc.Now()) {
		t.Fatal("forgetting one card dropped others")
	}
	renewed := svc.AppendCachedCards(ctx, nil, ids)
	if renewed[1] == first[1] || !renewed[1].Current(svc.Now()) || renewed[0] != first[0] {
		t.Fatal("after Forget the stall's card is not read anew, or the others are")
	}

	clock = clock.Add(cardTTL)
	for i, c := range renewed {
		if c.Current(svc.Now()) {
			t.Fatalf("card %d current after its TTL", ids[i])
		}
	}
	expired := renewed
	renewed = svc.AppendCachedCards(ctx, nil, ids)
	for i := range ids {
		if renewed[i] == expired[i] || !renewed[i].Current(svc.Now()) {
			t.Fatalf("card %d after its TTL: not read anew", ids[i])
		}
		if expired[i].Current(clock.Add(-time.Second)) {
			t.Fatalf("card %d replaced by a newer read is still current at an earlier time", ids[i])
		}
	}

	// A failed read gives zero cards that are never current.
	_ = st.Close()
	failed := svc.AppendCachedCards(ctx, nil, []uint64{99})
	if len(failed) != 1 || failed[0] == nil || failed[0].Current(svc.Now()) || failed[0].Category != "" {
		t.Fatalf("card of a failed read: %+v", failed)
	}
}

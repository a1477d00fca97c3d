package pos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/store/storetest"
)

// presenceFactory returns an empty presence store for one test.
type presenceFactory func(t *testing.T) PresenceStore

// TestPresenceContract runs one contract suite on both PresenceStores.
func TestPresenceContract(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testPresence(t, func(*testing.T) PresenceStore { return NewMemoryPresence() }) })
	t.Run("redis", func(t *testing.T) { testPresence(t, mustRedisPresence) })
}

// mustRedisPresence is a RedisPresence under a fresh key prefix, removed
// when the test ends.
func mustRedisPresence(t *testing.T) PresenceStore {
	t.Helper()
	rdb, prefix := mustRedisClient(t)
	return NewRedisPresence(rdb, prefix)
}

// setPaused is SetPausedEach of one stall.
func setPaused(ctx context.Context, p PresenceStore, id uint64, paused bool) (bool, error) {
	changed, err := p.SetPausedEach(ctx, []uint64{id}, []bool{paused})
	if err != nil {
		return false, err
	}
	if len(changed) != 1 {
		return false, fmt.Errorf("SetPausedEach of one stall answered %d", len(changed))
	}
	return changed[0], nil
}

// mustRedisClient is a client of the test Redis and a fresh key prefix,
// whose keys are removed when the test (or benchmark) ends.
func mustRedisClient(t testing.TB) (*redis.Client, string) {
	t.Helper()
	u := os.Getenv("ILLUWA_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		storetest.Unavailable(t, "Redis", err)
	}
	prefix := "illuwa-test-presence-" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	t.Cleanup(func() {
		if keys, _ := rdb.Keys(ctx, prefix+"*").Result(); len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	})
	return rdb, prefix
}

func testPresence(t *testing.T, newStore presenceFactory) {
	ctx := context.Background()
	// Millisecond times: Redis keeps Unix milliseconds.
	t0 := time.Now().Truncate(time.Millisecond)

	t.Run("mark_seen", func(t *testing.T) {
		p := newStore(t)
		if err := p.Mark(ctx, "pocha:1", "a", t0); err != nil {
			t.Fatal(err)
		}
		if err := p.Mark(ctx, "pocha:1", "b", t0.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := p.Mark(ctx, "pocha:2", "c", t0); err != nil {
			t.Fatal(err)
		}
		seen, err := p.Seen(ctx, "pocha:1", t0.Add(-time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != 1 || !seen["a"].Equal(t0) {
			t.Fatalf("seen since a second ago = %v, want only a at %v", seen, t0)
		}
		seen, _ = p.Seen(ctx, "pocha:1", t0.Add(-time.Hour/2))
		if len(seen) != 2 {
			t.Fatalf("seen since half an hour ago = %v, want a and b", seen)
		}
		if seen, _ := p.Seen(ctx, "pocha:3", t0.Add(-time.Hour/2)); len(seen) != 0 {
			t.Fatalf("an unknown scope = %v", seen)
		}
	})

	t.Run("since_is_inclusive", func(t *testing.T) {
		p := newStore(t)
		_ = p.Mark(ctx, "s", "a", t0)
		if seen, _ := p.Seen(ctx, "s", t0); len(seen) != 1 {
			t.Fatalf("seen at exactly since = %v", seen)
		}
		if seen, _ := p.Seen(ctx, "s", t0.Add(time.Millisecond)); len(seen) != 0 {
			t.Fatalf("seen after = %v", seen)
		}
	})

	t.Run("mark_again_moves_forward", func(t *testing.T) {
		p := newStore(t)
		_ = p.Mark(ctx, "s", "a", t0.Add(-time.Minute))
		_ = p.Mark(ctx, "s", "a", t0)
		seen, _ := p.Seen(ctx, "s", t0.Add(-time.Second))
		if len(seen) != 1 || !seen["a"].Equal(t0) {
			t.Fatalf("seen = %v, want a at %v", seen, t0)
		}
	})

	t.Run("drop", func(t *testing.T) {
		p := newStore(t)
		_ = p.Mark(ctx, "s", "a", t0)
		_ = p.Mark(ctx, "s", "b", t0)
		if err := p.Drop(ctx, "s", "a"); err != nil {
			t.Fatal(err)
		}
		if err := p.Drop(ctx, "s", "nobody"); err != nil {
			t.Fatalf("dropping an unknown member: %v", err)
		}
		seen, _ := p.Seen(ctx, "s", t0.Add(-time.Second))
		if len(seen) != 1 || seen["b"].IsZero() {
			t.Fatalf("seen after drop = %v", seen)
		}
	})

	t.Run("set_paused_reports_changes", func(t *testing.T) {
		p := newStore(t)
		steps := []struct {
			paused, changed bool
		}{{false, false}, {true, true}, {true, false}, {false, true}, {false, false}}
		for i, s := range steps {
			changed, err := setPaused(ctx, p, 7, s.paused)
			if err != nil {
				t.Fatal(err)
			}
			if changed != s.changed {
				t.Fatalf("step %d: paused %v: changed = %v, want %v", i, s.paused, changed, s.changed)
			}
		}
		if changed, _ := setPaused(ctx, p, 8, true); !changed {
			t.Fatal("another stall's pause is its own")
		}
	})

	t.Run("seen_each", func(t *testing.T) {
		p := newStore(t)
		_ = p.Mark(ctx, "pocha:1", "a", t0)
		_ = p.Mark(ctx, "pocha:1", "old", t0.Add(-time.Minute))
		_ = p.Mark(ctx, "owner:5", "b", t0)
		scopes := []string{"owner:5", "pocha:404", "pocha:1", "owner:5"}
		each, err := p.SeenEach(ctx, scopes, t0.Add(-time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if len(each) != len(scopes) {
			t.Fatalf("SeenEach gave %d answers for %d scopes", len(each), len(scopes))
		}
		for i, sc := range scopes {
			one, _ := p.Seen(ctx, sc, t0.Add(-time.Second))
			if len(each[i]) != len(one) {
				t.Fatalf("scope %s: SeenEach %v, Seen %v", sc, each[i], one)
			}
			for m, at := range one {
				if !each[i][m].Equal(at) {
					t.Fatalf("scope %s: SeenEach %v, Seen %v", sc, each[i], one)
				}
			}
		}
		if len(each[2]) != 1 || !each[2]["a"].Equal(t0) {
			t.Fatalf("pocha:1 = %v, want a alone", each[2])
		}
		if none, err := p.SeenEach(ctx, nil, t0); err != nil || len(none) != 0 {
			t.Fatalf("SeenEach of nothing = %v, %v", none, err)
		}
	})

	t.Run("set_paused_each", func(t *testing.T) {
		p := newStore(t)
		if _, err := setPaused(ctx, p, 2, true); err != nil {
			t.Fatal(err)
		}
		changed, err := p.SetPausedEach(ctx, []uint64{1, 2, 3, 4}, []bool{true, true, false, false})
		if err != nil {
			t.Fatal(err)
		}
		// 1 newly paused; 2 paused already; 3 and 4 were not paused.
		if want := []bool{true, false, false, false}; !slices.Equal(changed, want) {
			t.Fatalf("changed = %v, want %v", changed, want)
		}
		changed, _ = p.SetPausedEach(ctx, []uint64{1, 2, 3}, []bool{false, true, true})
		if want := []bool{true, false, true}; !slices.Equal(changed, want) {
			t.Fatalf("second round: changed = %v, want %v", changed, want)
		}
		if c, _ := setPaused(ctx, p, 3, false); !c {
			t.Fatal("the pause of 3 in a list is not seen alone")
		}
		if _, err := p.SetPausedEach(ctx, []uint64{1, 2}, []bool{true}); !errors.Is(err, errEachLengths) {
			t.Fatalf("lists of two lengths: %v, want errEachLengths", err)
		}
		if c, err := p.SetPausedEach(ctx, nil, nil); err != nil || len(c) != 0 {
			t.Fatalf("SetPausedEach of nothing = %v, %v", c, err)
		}
	})

	t.Run("sweep_turn", func(t *testing.T) {
		p := newStore(t)
		_, shared := p.(*RedisPresence)
		every := 300 * time.Millisecond
		if ok, err := p.SweepTurn(ctx, every); err != nil || !ok {
			t.Fatalf("first turn = %v, %v", ok, err)
		}
		ok, err := p.SweepTurn(ctx, every)
		if err != nil || ok == shared { // shared by instances: not again yet; in one process: always
			t.Fatalf("a second ask at once = %v, %v (shared store %v)", ok, err, shared)
		}
		time.Sleep(every)
		if ok, err := p.SweepTurn(ctx, every); err != nil || !ok {
			t.Fatalf("an interval later = %v, %v", ok, err)
		}
	})

	t.Run("set_paused_once_among_many", func(t *testing.T) {
		p := newStore(t)
		var mu sync.Mutex
		var wg sync.WaitGroup
		winners := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if changed, err := setPaused(ctx, p, 9, true); err == nil && changed {
					mu.Lock()
					winners++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if winners != 1 {
			t.Fatalf("%d instances saw the change, want exactly 1", winners)
		}
	})
}

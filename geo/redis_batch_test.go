package geo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/geo/redistest"
)

// TestRedisScriptFallsBackToEval runs a script Redis has never seen: the
// EVALSHA fails with NOSCRIPT and the call is sent again as EVAL.
func TestRedisScriptFallsBackToEval(t *testing.T) {
	client, prefix := mustOpenRedis(t)
	idx := NewRedisIndex(client, prefix)
	t.Cleanup(func() { _ = idx.Close() })
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	src := upsertSrc + "-- " + hex.EncodeToString(b) + "\n" // a hash no Redis has
	fresh := newPackedScript(redis.NewScript(src), src)
	p := normalize(Position{ID: 3, Name: "n", Lat: 37.5, Lng: 127}, t0)
	bp := packBufs.Get().(*[]byte)
	packed := append(strconv.AppendUint((*bp)[:0], p.ID, 10), '|')
	packed = append(packed, encodePosition(p, cellOf(p.Lat, p.Lng, idx.cellRes))...)
	if _, err := idx.runPacked(context.Background(), idx.shardOf(p.ID), fresh, bp, packed); !errors.Is(err, redis.Nil) {
		t.Fatalf("first upsert through EVAL = %v, want a nil reply", err)
	}
	if got, ok, err := idx.Get(context.Background(), 3); err != nil || !ok || !samePosition(got, p) {
		t.Fatalf("Get = %+v, %v, %v; want %+v", got, ok, err, p)
	}
}

// TestRedisCloseWhileMoving closes the index under concurrent updates
// (so under batching): every call ends, with success or ErrClosed, and
// none hangs.
func TestRedisCloseWhileMoving(t *testing.T) {
	client, prefix := mustOpenRedis(t)
	idx := NewRedisIndex(client, prefix)
	ctx := context.Background()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			<-start
			for i := range 200 {
				_, _, err := idx.Upsert(ctx, Position{ID: uint64(w), Lat: 37.5, Lng: 127 + float64(i)*1e-5, Seen: t0})
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("Upsert: %v", err)
					return
				}
			}
		})
	}
	close(start)
	_ = idx.Close()
	wg.Wait()
	if _, _, err := idx.Upsert(ctx, Position{ID: 1, Lat: 1, Lng: 1}); !errors.Is(err, ErrClosed) {
		t.Errorf("Upsert after Close = %v", err)
	}
}

// TestRedisMoveCanceled returns the context's error for a call whose
// context has ended.
func TestRedisMoveCanceled(t *testing.T) {
	client, prefix := mustOpenRedis(t)
	idx := NewRedisIndex(client, prefix)
	t.Cleanup(func() { _ = idx.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := idx.Move(ctx, Position{ID: 1, Lat: 1, Lng: 1, At: t0}, 120); !errors.Is(err, context.Canceled) {
		t.Errorf("Move with a canceled context = %v, want context.Canceled", err)
	}
}

// TestRedisPipelinedScriptsFallBackToEval: runScripts sends scripts Redis
// has never seen again as EVAL, and each call gets its own reply.
func TestRedisPipelinedScriptsFallBackToEval(t *testing.T) {
	client, _ := mustOpenRedis(t)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	fresh := newSourcedScript("return ARGV[1] .. KEYS[1] -- " + hex.EncodeToString(b))
	cmds := runScripts(context.Background(), client, fresh, 1, [][]any{{"k1", "a"}, {"k2", "b"}})
	for i, want := range []string{"ak1", "bk2"} {
		if got, err := cmds[i].Text(); err != nil || got != want {
			t.Errorf("call %d = %q, %v; want %q", i, got, err, want)
		}
	}
}

// TestRedisScriptRoundTripsInFlightAreBounded: the first script call goes
// out alone; the next ones queue behind it until extraTripQueue wait, and
// the one after them sends itself and the queue as one more round trip, up
// to maxInFlight round trips; past that every call queues, and when a round
// trip ends the first of them sends the queue as one pipeline. Every call
// is applied.
func TestRedisScriptRoundTripsInFlightAreBounded(t *testing.T) {
	client, prefix := mustOpenRedis(t)
	g := redistest.NewGate("evalsha")
	client.AddHook(g)
	idx := NewRedisIndex(client, prefix)
	t.Cleanup(func() { _ = idx.Close() })
	t.Cleanup(g.Open) // let a failed test's calls end
	ctx := context.Background()
	queued := func() int {
		idx.batch.mu.Lock()
		defer idx.batch.mu.Unlock()
		return len(idx.batch.queue)
	}

	const extra = 6 // calls queued once every round trip is taken
	const callers = 1 + (maxInFlight-1)*(extraTripQueue+1) + extra
	errs := make(chan error, callers)
	for i := range callers {
		go func() {
			_, _, err := idx.Upsert(ctx, Position{ID: uint64(i + 1), Name: "s", Lat: 37.5, Lng: 127 + float64(i)*1e-4, Seen: t0})
			errs <- err
		}()
		// Each call is either in a round trip held at the gate or queued.
		waitUntil(t, "the call to be sent or queued", func() bool { return g.Commands()+queued() == i+1 })
	}
	want := []int{1}
	for range maxInFlight - 1 {
		want = append(want, extraTripQueue+1)
	}
	if sizes, inFlight, _ := g.State(); !slices.Equal(sizes, want) || inFlight != maxInFlight || queued() != extra {
		t.Fatalf("round trips %v, %d in flight, %d queued; want %v, %d, %d", sizes, inFlight, queued(), want, maxInFlight, extra)
	}

	g.Let() // one round trip ends
	waitUntil(t, "the queued calls' pipeline", func() bool { s, _, _ := g.State(); return len(s) == maxInFlight+1 })
	if sizes, _, _ := g.State(); sizes[maxInFlight] != extra {
		t.Fatalf("round trips %v; want the %d queued calls in one pipeline", sizes, extra)
	}
	if n := queued(); n != 0 {
		t.Fatalf("%d calls still queued", n)
	}

	g.Open()
	for range callers {
		if err := <-errs; err != nil {
			t.Fatalf("Upsert: %v", err)
		}
	}
	if _, _, most := g.State(); most != maxInFlight {
		t.Fatalf("%d round trips in flight at most, want %d", most, maxInFlight)
	}
	for i := range callers {
		if _, ok, err := idx.Get(ctx, uint64(i+1)); err != nil || !ok {
			t.Fatalf("stall %d after its Upsert: found %v, %v", i+1, ok, err)
		}
	}
	idx.batch.mu.Lock()
	left := idx.batch.inflight
	idx.batch.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d round-trip slots still taken after every call ended", left)
	}
}

// waitUntil polls cond for up to 10 s, failing the test with what it
// waited for.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

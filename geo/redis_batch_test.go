package geo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
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

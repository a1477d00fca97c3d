package pos

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestAcceptingDoesNotWaitOnAHungRedis: the presence store is a Redis that
// takes connections and never answers (a hung server, the worst case: a
// dead one refuses at once). Accepting gives up within presenceTimeout and
// takes the order on the stall's word; the next orders, within
// presenceRest, do not ask Redis at all.
func TestAcceptingDoesNotWaitOnAHungRedis(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	var read atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					read.Add(int64(n))
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	rdb := redis.NewClient(&redis.Options{Addr: l.Addr().String(), Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { _ = rdb.Close() })
	s := mustStall(t, NewRedisPresence(rdb, "hung:"), time.Minute)
	ctx := context.Background()

	start := time.Now()
	if !s.svc.Accepting(ctx, s.pocha) {
		t.Fatal("an open stall refused orders because presence could not be read")
	}
	first := time.Since(start)
	if first > 2*time.Second { // presenceTimeout is 300 ms; go-redis alone would wait 3 s per try
		t.Fatalf("Accepting took %v on a hung Redis", first)
	}
	if read.Load() == 0 {
		t.Fatal("Redis was never asked")
	}
	asked := read.Load()
	start = time.Now()
	for range 20 {
		if !s.svc.Accepting(ctx, s.pocha) {
			t.Fatal("refused during the rest")
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("20 orders during the rest took %v", d)
	}
	if got := read.Load(); got != asked {
		t.Fatalf("Redis was asked again during the rest (%d more bytes)", got-asked)
	}
	t.Logf("first check %v; 20 more in %v", first, time.Since(start))
	// A closed stall stays closed whatever presence says.
	s.pocha.IsOpen = false
	if s.svc.Accepting(ctx, s.pocha) {
		t.Fatal("a closed stall takes orders")
	}
}

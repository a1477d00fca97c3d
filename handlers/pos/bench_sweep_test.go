package pos

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// BenchmarkSweepRedis is one sweep of 2,000 open stalls of 20 owners, none
// watched, against the test Redis: what every instance does each
// Options.Interval.
func BenchmarkSweepRedis(b *testing.B) {
	ctx := context.Background()
	u := os.Getenv("ILLUWA_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		b.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		storetest.Unavailable(b, "Redis", err)
	}
	prefix := "illuwa-bench-sweep-" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	defer func() {
		if keys, _ := rdb.Keys(ctx, prefix+"*").Result(); len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	}()
	st := storetest.Open(b, store.SQLite)
	for o := range 20 {
		u := store.User{LoginID: "bench" + strconv.Itoa(o), Nickname: "사장", Email: strconv.Itoa(o) + "@example.com",
			Phone: "010-0000-" + strconv.Itoa(1000+o), Role: store.RoleOwner}
		if err := st.CreateUser(ctx, &u); err != nil {
			b.Fatal(err)
		}
		for range 100 {
			p := store.Pocha{OwnerID: u.ID, Name: "포차"}
			if err := st.CreatePocha(ctx, &p); err != nil {
				b.Fatal(err)
			}
			if err := st.SetPochaOpen(ctx, p.ID, true); err != nil {
				b.Fatal(err)
			}
		}
	}
	svc := New(Deps{Store: st, Presence: NewRedisPresence(rdb, prefix), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options: Options{PauseAfter: time.Minute}})
	b.ResetTimer()
	for b.Loop() {
		svc.sweep(ctx)
	}
}

package pos

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// BenchmarkSweepRedis is one sweep of 2,000 open stalls of 20 owners, none
// watched, against the test Redis: what the instance whose turn it is
// (SweepTurn) does each Options.Interval.
func BenchmarkSweepRedis(b *testing.B) {
	ctx := context.Background()
	rdb, prefix := mustRedisClient(b)
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

package handlers

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
	"github.com/illuwa/illuwa/store/storetest"
)

// benchHoursServer returns a real Server on SQLite whose live map holds
// 10,000 open stalls spread over Seoul, each known to the database with a
// category and business hours (two spans a day, the evening one past
// midnight, one day closed), logging at level warn to io.Discard.
func benchHoursServer(b *testing.B) *Server {
	return benchStoredServer(b, 10_000, func(i int) store.Pocha {
		h := store.Hours{}
		for d, day := range store.Weekdays {
			if (i+d)%7 == 0 {
				continue // a closed day
			}
			open := 16 + (i+d)%4
			h[day] = []store.Span{
				{Open: "11:30", Close: "14:00"},
				{Open: strconv.Itoa(open) + ":00", Close: "0" + strconv.Itoa((i+d)%4) + ":30"},
			}
		}
		return store.Pocha{Name: "포차 " + strconv.Itoa(i+1), Category: "tteokbokki", Hours: h}
	})
}

// benchStoredServer returns a real Server on SQLite whose live map holds n
// open stalls at random points of Seoul, each stored as stall(i) gives it
// (owned by one owner), logging at level warn to io.Discard.
func benchStoredServer(b *testing.B, n int, stall func(i int) store.Pocha) *Server {
	b.Helper()
	ctx := context.Background()
	st := storetest.Open(b, store.SQLite)
	images, err := blob.OpenDir(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = images.Close() })
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	idx := geo.NewMemoryIndex()
	b.Cleanup(func() { _ = idx.Close() })
	owner := store.User{LoginID: "bench_owner", PasswordHash: "x", Nickname: "사장", Email: "o@example.com", Role: store.RoleOwner}
	if err := st.CreateUser(ctx, &owner); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Now().UTC().Truncate(time.Second)
	for i := range n {
		p := stall(i)
		p.OwnerID, p.IsOpen = owner.ID, true
		if err := st.CreatePocha(ctx, &p); err != nil {
			b.Fatal(err)
		}
		lat, lng := benchSeoul(rng)
		if _, _, err := idx.Upsert(ctx, geo.Position{ID: p.ID, Name: p.Name, Lat: lat, Lng: lng, At: at, Seen: at}); err != nil {
			b.Fatal(err)
		}
	}
	live := livemap.New(livemap.Deps{Index: idx, Store: st, Log: log})
	return New(Deps{Store: st, Images: images, Log: log, Live: live})
}

// BenchmarkNearbyHTTPHours is BenchmarkNearbyHTTP (log=warn) with stalls
// the database knows, each with a category and business hours (two spans a
// day, the evening one past midnight), so that every item's card has a
// week to read for open_by_hours, as on a real server.
func BenchmarkNearbyHTTPHours(b *testing.B) {
	runNearbyHTTP(b, benchHoursServer(b))
}

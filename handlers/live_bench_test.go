package handlers

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
	"github.com/illuwa/illuwa/store/storetest"

	"github.com/illuwa/illuwa/bench/cputime"
)

// Benchmarks of the live map over HTTP:
//
//	go test -run '^$' -bench NearbyHTTP -benchmem ./handlers/
//
// ns/op of the sequential runs is the server's time per request (one
// goroutine does all the work), the full Gin stack and middleware included;
// cpu-ns/op is the process's CPU time per request (garbage collection
// included), which a busy machine inflates less than it does ns/op.

// benchNearbyAPI returns a real Server on SQLite whose live map holds
// stalls open stalls spread over Seoul (not in the database, so their cards
// are empty), logging JSON at level to io.Discard.
func benchNearbyAPI(b *testing.B, stalls int, level slog.Level) *Server {
	b.Helper()
	idx := geo.NewMemoryIndex()
	b.Cleanup(func() { _ = idx.Close() })
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2026, 5, 1, 19, 30, 0, 0, time.UTC)
	for i := range stalls {
		lat, lng := benchSeoul(rng)
		p := geo.Position{ID: uint64(i + 1), Name: "포차 " + strconv.Itoa(i+1), Lat: lat, Lng: lng, At: at, Seen: at}
		if _, _, err := idx.Upsert(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
	return benchServer(b, storetest.Open(b, store.SQLite), idx, level)
}

// benchStoredServer returns a real Server on SQLite whose live map holds n
// open stalls at random points of Seoul, each stored as stall(i) gives it
// (owned by one owner), logging at level warn to io.Discard.
func benchStoredServer(b *testing.B, n int, stall func(i int) store.Pocha) *Server {
	b.Helper()
	ctx := context.Background()
	st := storetest.Open(b, store.SQLite)
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
	return benchServer(b, st, idx, slog.LevelWarn)
}

// benchServer returns a real Server on st whose live map reads idx, with
// images in a temporary folder, logging JSON at level to io.Discard.
func benchServer(b *testing.B, st *store.Store, idx geo.Index, level slog.Level) *Server {
	b.Helper()
	images, err := blob.OpenDir(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = images.Close() })
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: level}))
	live := livemap.New(livemap.Deps{Index: idx, Store: st, Log: log})
	return New(Deps{Store: st, Images: images, Log: log, Live: live})
}

// benchSeoul returns a uniformly random point in Seoul
// (lat 37.45–37.65, lng 126.85–127.15), the load tool's area.
func benchSeoul(rng *rand.Rand) (float64, float64) {
	return 37.45 + rng.Float64()*0.2, 126.85 + rng.Float64()*0.3
}

// BenchmarkNearbyHTTP is GET /api/v1/pochas/nearby with a 1 km radius at
// random points, 10,000 stalls (about 52 per answer), through the whole
// Server: routing, request id, metrics, access log, JSON encoding.
func BenchmarkNearbyHTTP(b *testing.B) {
	for _, lv := range []struct {
		name  string
		level slog.Level
	}{{"log=info", slog.LevelInfo}, {"log=warn", slog.LevelWarn}} {
		b.Run(lv.name, func(b *testing.B) {
			runNearbyHTTP(b, benchNearbyAPI(b, 10_000, lv.level))
		})
	}
}

// runNearbyHTTP times GET /api/v1/pochas/nearby on srv, 1 km at 1,024
// fixed random points of Seoul, reporting CPU and answer bytes per request.
func runNearbyHTTP(b *testing.B, srv *Server) {
	// A fixed set of URLs, so building them is not measured.
	rng := rand.New(rand.NewPCG(3, 4))
	urls := make([]string, 1024)
	for i := range urls {
		lat, lng := benchSeoul(rng)
		urls[i] = "/api/v1/pochas/nearby?lat=" + strconv.FormatFloat(lat, 'f', 6, 64) +
			"&lng=" + strconv.FormatFloat(lng, 'f', 6, 64) + "&radius_m=1000"
	}
	// One pass first, as a server that has run a while: the stalls' cards
	// (category, stars, hours) are cached. (The first answers after a start
	// read them from the database, 2 queries each.)
	for _, u := range urls {
		srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, u, nil))
	}
	var bytes int
	i := 0
	cpu0 := cputime.Self()
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, urls[i%len(urls)], nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		bytes += rec.Body.Len()
		i++
	}
	if cpu := cputime.Self() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(bytes)/float64(b.N), "resp-bytes/op")
}

package handlers

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
	"github.com/illuwa/illuwa/store/storetest"
)

// BenchmarkNearbyGraphQLAgainstREST is nearby on one server, 2,000 stalls
// over Seoul (each stored and on the map, without reviews), 2 km
// circles at random points (about 40 stalls an answer, at most 50):
//
//	go test -run '^$' -bench NearbyGraphQLAgainstREST -benchtime 3s ./handlers/
//
// rest is GET /api/v1/pochas/nearby (the index only); graphql is
// { nearby { distanceM pocha { id name reviewStats { count average } } } },
// which adds a batch read of the stalls and one of their review stats.
// req/s is one goroutine's rate through the whole Server; compare the ratio.
func BenchmarkNearbyGraphQLAgainstREST(b *testing.B) {
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
	now := time.Now().UTC()
	for i := range 2000 {
		p := store.Pocha{OwnerID: owner.ID, Name: "포차 " + strconv.Itoa(i), IsOpen: true}
		if err := st.CreatePocha(ctx, &p); err != nil {
			b.Fatal(err)
		}
		lat, lng := benchSeoul(rng)
		if _, _, err := idx.Upsert(ctx, geo.Position{ID: p.ID, Name: p.Name, Lat: lat, Lng: lng, At: now, Seen: now}); err != nil {
			b.Fatal(err)
		}
	}
	live := livemap.New(livemap.Deps{Index: idx, Store: st, Log: log})
	srv := New(Deps{Store: st, Images: images, Log: log, Live: live})

	points := make([][2]string, 1024)
	for i := range points {
		lat, lng := benchSeoul(rng)
		points[i] = [2]string{strconv.FormatFloat(lat, 'f', 6, 64), strconv.FormatFloat(lng, 'f', 6, 64)}
	}
	serve := func(b *testing.B, req *http.Request) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	b.Run("rest", func(b *testing.B) {
		i := 0
		for b.Loop() {
			p := points[i%len(points)]
			serve(b, httptest.NewRequest(http.MethodGet, "/api/v1/pochas/nearby?lat="+p[0]+"&lng="+p[1]+"&radius_m=2000&limit=50", nil))
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
	b.Run("graphql", func(b *testing.B) {
		i := 0
		for b.Loop() {
			p := points[i%len(points)]
			body := `{"query":"{ nearby(lat: ` + p[0] + `, lng: ` + p[1] + `, radiusM: 2000, first: 50) { distanceM pocha { id name reviewStats { count average } } } }"}`
			req := httptest.NewRequest(http.MethodPost, "/api/v1/graphql", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			serve(b, req)
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
}

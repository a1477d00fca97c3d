package handlers

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/store"
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
	srv := benchStoredServer(b, 2000, func(i int) store.Pocha {
		return store.Pocha{Name: "포차 " + strconv.Itoa(i)}
	})
	rng := rand.New(rand.NewPCG(5, 6))

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

package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
	"github.com/illuwa/illuwa/store/storetest"
)

// Benchmarks of the live map over HTTP:
//
//	go test -run '^$' -bench NearbyHTTP -benchmem ./handlers/
//
// ns/op of the sequential runs is the server's CPU per request (one
// goroutine does all the work), the full Gin stack and middleware included.

// benchNearbyAPI returns a real Server on SQLite whose live map holds
// stalls open stalls spread over Seoul, logging JSON at level to io.Discard.
func benchNearbyAPI(b *testing.B, stalls int, level slog.Level) *Server {
	b.Helper()
	st := storetest.Open(b, store.SQLite)
	images, err := blob.OpenDir(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = images.Close() })
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: level}))
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
			srv := benchNearbyAPI(b, 10_000, lv.level)
			// A fixed set of URLs, so building them is not measured.
			rng := rand.New(rand.NewPCG(3, 4))
			urls := make([]string, 1024)
			for i := range urls {
				lat, lng := benchSeoul(rng)
				urls[i] = "/api/v1/pochas/nearby?lat=" + strconv.FormatFloat(lat, 'f', 6, 64) +
					"&lng=" + strconv.FormatFloat(lng, 'f', 6, 64) + "&radius_m=1000"
			}
			// One pass first, as a server that has run a while: the stalls'
			// cards (category, stars, hours) are cached. (The first answers
			// after a start read them from the database, 2 queries each.)
			for _, u := range urls {
				srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, u, nil))
			}
			var bytes int
			i := 0
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, urls[i%len(urls)], nil)
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				bytes += rec.Body.Len()
				i++
			}
			b.ReportMetric(float64(bytes)/float64(b.N), "resp-bytes/op")
		})
	}
}

// TestNearbyJSONMatchesEncodingJSON checks that the hand-written answer of
// GET /pochas/nearby is byte for byte what encoding/json makes of
// nearbyResponse, for names that need escaping and numbers of every size.
func TestNearbyJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	names := []string{"", "떡볶이 포차", `quote " and \ back`, "<b>&amp;</b>", "x<y", "x>y", "x&y", "tab\tnl\ncr\rbs\bff\f\x01\x1f\x7f",
		"line\u2028para\u2029", "bad utf8 \xff\xfe end", "emoji 🍢", "a|b"}
	floats := []float64{0, 1, -1, 37.5665, 126.978, 1e-7, -3.5e-9, 1e21, 123456789012345680000, 0.1, 1000, 999.95, 5e-324}
	rng := rand.New(rand.NewPCG(5, 6))
	at := time.Date(2026, 5, 1, 19, 30, 0, 123456000, time.UTC)
	for round := range 200 {
		n := rng.IntN(6)
		if round == 0 {
			n = 0
		}
		hits := make([]geo.Hit, n)
		cards := make([]pochas.Card, n)
		want := nearbyResponse{Lat: floats[rng.IntN(len(floats))], Lng: floats[rng.IntN(len(floats))],
			RadiusM: floats[rng.IntN(len(floats))], Items: make([]nearbyItem, n)}
		for i := range hits {
			h := geo.Hit{Position: geo.Position{ID: rng.Uint64(), Name: names[rng.IntN(len(names))],
				Lat: floats[rng.IntN(len(floats))], Lng: floats[rng.IntN(len(floats))],
				At: at.Add(time.Duration(rng.Int64N(int64(time.Hour))))}, DistanceM: rng.Float64() * 5000}
			if i%2 == 1 {
				h.At = h.At.Truncate(time.Second) // no fraction
				h.Lat = rng.NormFloat64() * 90
			}
			hits[i] = h
			c := pochas.Card{Category: names[rng.IntN(len(names))], ReviewCount: rng.Int64N(1000),
				Rating: float64(rng.IntN(41)+10) / 10}
			switch rng.IntN(3) {
			case 1: // open at this hour every day
				c.Hours = store.Hours{"mon": {{Open: "00:00", Close: "24:00"}}, "tue": {{Open: "00:00", Close: "24:00"}},
					"wed": {{Open: "00:00", Close: "24:00"}}, "thu": {{Open: "00:00", Close: "24:00"}},
					"fri": {{Open: "00:00", Close: "24:00"}}, "sat": {{Open: "00:00", Close: "24:00"}},
					"sun": {{Open: "00:00", Close: "24:00"}}}
			case 2: // a day, but not this one
				c.Hours = store.Hours{"mon": {{Open: "10:00", Close: "11:00"}}}
			}
			cards[i] = c
			open, known := pochas.OpenByHours(c.Hours, at)
			var obh *bool
			if known {
				obh = &open
			}
			want.Items[i] = nearbyItem{ID: h.ID, Name: h.Name, Lat: h.Lat, Lng: h.Lng, At: h.At, DistanceM: math.Round(h.DistanceM*10) / 10,
				Category: c.Category, Rating: c.Rating, ReviewCount: c.ReviewCount, OpenByHours: obh}
		}
		js, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendNearbyJSON(nil, want.Lat, want.Lng, want.RadiusM, hits, cards, at); string(got) != string(js) {
			t.Fatalf("round %d:\n got %s\nwant %s", round, got, js)
		}
	}
}

package handlers

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/illuwa/illuwa/bench/cputime"
	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/pochas"
)

// BenchmarkNearbyItems is the part of GET /pochas/nearby that reads memory
// per item, without HTTP: on benchHoursServer's stalls, a 1 km query of the
// live map at a random point of Seoul (about 52 hits), the kept items and
// their cached cards looked up, and the answer written, as the handler does.
// Its working set (10,000 stalls' entries, items and cards) is larger than
// a core's L2, as on a server.
func BenchmarkNearbyItems(b *testing.B) {
	ctx := context.Background()
	srv := benchHoursServer(b)
	// The cards' clock stands still, so that they stay cached however slowly
	// the benchmark runs (under valgrind the warm-up alone outlasts their
	// 30 s); open_by_hours is still for the time of each answer.
	t0 := time.Now()
	srv.pochas = pochas.New(pochas.Deps{Store: srv.store, Now: func() time.Time { return t0 }})
	rng := rand.New(rand.NewPCG(3, 4))
	pts := make([][2]float64, 1024)
	for i := range pts {
		pts[i][0], pts[i][1] = benchSeoul(rng)
	}
	var w nearbyItemsWork
	for _, pt := range pts { // the cards cached and the items kept
		w.query(ctx, b, srv, pt)
	}
	items := 0
	cpu0 := cputime.Self()
	for i := 0; b.Loop(); i++ {
		items += w.measured(ctx, b, srv, pts[i%len(pts)])
	}
	if cpu := cputime.Self() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(items)/float64(b.N), "items/op")
}

// nearbyItemsWork is BenchmarkNearbyItems' scratch, kept between queries as
// the handler keeps its own.
type nearbyItemsWork struct {
	hits []geo.Hit
	hs   []*nearbyHead
	body []byte
}

// query does what the handler does between parsing and writing out.
func (w *nearbyItemsWork) query(ctx context.Context, b *testing.B, srv *Server, pt [2]float64) {
	var err error
	w.hits, err = srv.live.AppendNearby(ctx, w.hits[:0], pt[0], pt[1], 1000, defaultNearbyLimit)
	if err != nil {
		b.Fatal(err)
	}
	w.hs = srv.heads.get(ctx, w.hs, w.hits, srv.pochas)
	w.body = appendNearbyJSON(w.body[:0], pt[0], pt[1], 1000, w.hits, w.hs, time.Now())
}

// measured is query in the timed loop only, returning the items, so that a
// profiler can count the timed queries alone (the inclusive cost of
// measured in callgrind_annotate --inclusive=yes).
//
//go:noinline
func (w *nearbyItemsWork) measured(ctx context.Context, b *testing.B, srv *Server, pt [2]float64) int {
	w.query(ctx, b, srv, pt)
	return len(w.hits)
}

package handlers

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/illuwa/illuwa/bench/cputime"
	"github.com/illuwa/illuwa/geo"
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
	rng := rand.New(rand.NewPCG(3, 4))
	pts := make([][2]float64, 1024)
	for i := range pts {
		pts[i][0], pts[i][1] = benchSeoul(rng)
	}
	var (
		hits []geo.Hit
		hs   []*nearbyHead
		body []byte
	)
	query := func(pt [2]float64) {
		var err error
		hits, err = srv.live.AppendNearby(ctx, hits[:0], pt[0], pt[1], 1000, defaultNearbyLimit)
		if err != nil {
			b.Fatal(err)
		}
		hs = srv.heads.get(ctx, hs, hits, srv.pochas)
		body = appendNearbyJSON(body[:0], pt[0], pt[1], 1000, hits, hs, time.Now())
	}
	for _, pt := range pts { // the cards cached and the items kept
		query(pt)
	}
	items := 0
	cpu0 := cputime.Self()
	for i := 0; b.Loop(); i++ {
		query(pts[i%len(pts)])
		items += len(hits)
	}
	if cpu := cputime.Self() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(items)/float64(b.N), "items/op")
}

package geo

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// BenchmarkUpdateCells is the cell work of one location update on the
// memory index as the live map does it: Move, then the Topic of the new
// position and of the previous one (handlers/livemap movedTopics). The
// stalls are moved in random order, steps of up to 50 m 10 s apart; with
// more stalls the previous position is older when the stall moves again.
func BenchmarkUpdateCells(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run("stalls="+strconv.Itoa(n), func(b *testing.B) {
			idx, ps := benchIndex(b, "memory", n)
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(2, 3))
			// One round of moves first, so that every stall's previous
			// position was a move's, as on a running server.
			step := func(p *Position) {
				p.Lat, p.Lng = destination(p.Lat, p.Lng, rng.Float64()*360, rng.Float64()*50)
				p.At = p.At.Add(10 * time.Second)
				prev, err := idx.Move(ctx, *p, 120)
				if err != nil {
					b.Fatal(err)
				}
				if Topic(p.Lat, p.Lng) == "" || Topic(prev.Lat, prev.Lng) == "" {
					b.Fatal("no topic")
				}
			}
			for i := range ps {
				step(&ps[i])
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				step(&ps[rng.IntN(len(ps))])
			}
		})
	}
}

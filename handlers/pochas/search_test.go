package pochas

import (
	"context"
	"math"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/geo/redistest"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// TestSearchNearReadsPositionsAtOnce: a search with a position over 60 open
// stalls on the Redis index (both layouts) reads their positions in one
// round trip, one HMGET per shard, not a read per stall, and still orders
// them by distance.
func TestSearchNearReadsPositionsAtOnce(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	client := srv.Client()
	t.Cleanup(func() { _ = client.Close() })
	for _, layout := range []struct {
		name   string
		index  func(redis.UniversalClient, string) *geo.RedisIndex
		shards int
	}{{"single", geo.NewRedisIndex, 1}, {"sharded", geo.NewRedisClusterIndex, geo.ClusterShards}} {
		t.Run(layout.name, func(t *testing.T) {
			ctx := context.Background()
			idx := layout.index(client, layout.name+":")
			st := storetest.Open(t, store.SQLite)
			f := newFixture(t, st, livemap.Reader{Index: idx}) // and one closed stall, 을지로 포차
			const lat, lng = 37.56, 126.99
			want := map[uint64]float64{} // open stall → distance from the searcher
			for i := range 60 {
				v, err := f.svc.Create(ctx, f.owner.ID, Input{Name: ptr("골목 포차 " + strconv.Itoa(i))})
				if err != nil {
					t.Fatal(err)
				}
				if err := st.SetPochaOpen(ctx, v.ID, true); err != nil {
					t.Fatal(err)
				}
				plat, plng := lat+float64(i%8)*1e-3, lng+float64(i/8)*1.3e-3
				if _, _, err := idx.Upsert(ctx, geo.Position{ID: v.ID, Name: v.Name, Lat: plat, Lng: plng}); err != nil {
					t.Fatal(err)
				}
				want[v.ID] = math.Round(geo.DistanceM(lat, lng, plat, plng)*10) / 10
			}
			counter := redistest.NewCommandCounter()
			client.AddHook(counter)
			got, err := f.svc.Search(ctx, Query{Text: "포차", Near: &Point{Lat: lat, Lng: lng}, Limit: MaxSearchLimit})
			if err != nil {
				t.Fatal(err)
			}
			_, trips, byName := counter.Totals()
			if trips != 1 || byName["hmget"] != int64(layout.shards) || len(byName) != 1 {
				t.Errorf("the search read %v from Redis in %d round trips; want %d HMGET in 1", byName, trips, layout.shards)
			}
			if len(got) != MaxSearchLimit {
				t.Fatalf("%d found, want %d", len(got), MaxSearchLimit)
			}
			prev := -1.0
			for _, fd := range got {
				d, ok := want[fd.ID]
				if !ok || fd.DistanceM == nil || *fd.DistanceM != d || fd.Location == nil || *fd.DistanceM < prev {
					t.Fatalf("found %d at %v (want an open stall at %v m, after %v m): %+v", fd.ID, fd.DistanceM, d, prev, fd.View)
				}
				prev = d
			}
		})
	}
}

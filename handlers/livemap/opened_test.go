package livemap

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// openings keeps the stalls an OpenWatcher heard of.
type openings struct {
	mu  sync.Mutex
	ids []uint64
}

func (o *openings) StallOpened(_ context.Context, id uint64, _ string, _, _ float64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ids = append(o.ids, id)
}

func (o *openings) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.ids)
}

// The watcher hears of a stall that comes onto the map, not of one opened
// again while it is already there; after a close, again.
func TestOpenedTellsTheWatcherOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		f := newFixture(t, st)
		heard := &openings{}
		f.live = New(Deps{Index: geo.NewMemoryIndex(), Publisher: f.pub, Opened: heard, Store: st,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return *f.clock }})
		ctx := context.Background()
		steps := []struct {
			open bool
			want int
		}{{true, 1}, {true, 1}, {false, 1}, {true, 2}}
		for i, s := range steps {
			var err error
			if s.open {
				err = f.live.Open(ctx, f.pocha, 37.566, 126.991)
			} else {
				err = f.live.Close(ctx, f.pocha)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := heard.count(); got != s.want {
				t.Fatalf("step %d: heard %d openings, want %d", i, got, s.want)
			}
		}
	})
}

package graphql

import (
	"context"

	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/handlers/reviews"
	"github.com/illuwa/illuwa/store"
)

// loaders are the batched lookups of one operation: stalls by id, and
// menus and review stats by stall id.
type loaders struct {
	pocha *loader[store.Pocha]
	menu  *loader[[]pochas.MenuItemView]
	stats *loader[reviews.StatsView]
}

func newLoaders(r *Resolver) *loaders {
	return &loaders{
		pocha: newLoader(func(ctx context.Context, ids []uint64) (map[uint64]store.Pocha, error) {
			out := make(map[uint64]store.Pocha, len(ids))
			for _, id := range ids {
				p, err := r.d.Stalls.Pocha(ctx, id)
				if err != nil {
					continue
				}
				out[id] = p
			}
			return out, nil
		}),
		menu: newLoader(func(ctx context.Context, ids []uint64) (map[uint64][]pochas.MenuItemView, error) {
			out := make(map[uint64][]pochas.MenuItemView, len(ids))
			for _, id := range ids {
				m, err := r.d.Stalls.Menu(ctx, id)
				if err != nil {
					return nil, err
				}
				out[id] = m
			}
			return out, nil
		}),
		stats: newLoader(func(ctx context.Context, ids []uint64) (map[uint64]reviews.StatsView, error) {
			out := make(map[uint64]reviews.StatsView, len(ids))
			for _, id := range ids {
				s, err := r.d.Reviews.Stats(ctx, id)
				if err != nil {
					return nil, err
				}
				out[id] = s
			}
			return out, nil
		}),
	}
}

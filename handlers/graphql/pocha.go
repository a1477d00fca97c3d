package graphql

import (
	"context"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/graphql/model"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/handlers/reviews"
	"github.com/illuwa/illuwa/store"
)

func (p pochaResolver) Hours(_ context.Context, v *pochas.View) ([]*model.DayHours, error) {
	out := make([]*model.DayHours, 0, len(store.Weekdays))
	for _, d := range store.Weekdays {
		out = append(out, &model.DayHours{Day: d, Spans: ptrs(v.Hours[d])})
	}
	return out, nil
}

func (p pochaResolver) Menu(ctx context.Context, v *pochas.View) ([]*pochas.MenuItemView, error) {
	items, err := loadersOf(ctx, p.r).menu.Load(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	return ptrs(items), nil
}

func (p pochaResolver) ReviewStats(ctx context.Context, v *pochas.View) (*reviews.StatsView, error) {
	st, err := loadersOf(ctx, p.r).stats.Load(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	return &st, nil
}

func (p pochaResolver) Reviews(ctx context.Context, v *pochas.View, first *int, after *string) (*model.ReviewConnection, error) {
	limit, err := pageSize("first", first, defaultPage, maxPage)
	if err != nil {
		return nil, err
	}
	before, err := p.r.cursor(after)
	if err != nil {
		return nil, err
	}
	var viewer store.User
	if c, ok := callerOf(ctx); ok {
		viewer = c.user
	}
	items, next, err := p.r.d.Reviews.List(ctx, viewer, v.ID, before, limit)
	if err != nil {
		return nil, err
	}
	out := &model.ReviewConnection{Edges: make([]*model.ReviewEdge, len(items)), PageInfo: &model.PageInfo{HasNextPage: next != 0}}
	for i := range items {
		out.Edges[i] = &model.ReviewEdge{Cursor: p.r.d.EncodeCursor(items[i].ID), Node: &items[i]}
	}
	if n := len(items); n > 0 {
		out.PageInfo.StartCursor, out.PageInfo.EndCursor = &out.Edges[0].Cursor, &out.Edges[n-1].Cursor
	}
	return out, nil
}

// owned is the stall of v when the caller is an owner and owns it: the
// checks of the REST sales and settlement routes.
func (p pochaResolver) owned(ctx context.Context, v *pochas.View) (store.Pocha, error) {
	u, err := withRole(ctx, store.RoleOwner)
	if err != nil {
		return store.Pocha{}, err
	}
	return p.r.d.Stalls.Owned(ctx, v.ID, u.ID)
}

func (p pochaResolver) Sales(ctx context.Context, v *pochas.View, from, to string) (*ordering.Sales, error) {
	st, err := p.owned(ctx, v)
	if err != nil {
		return nil, err
	}
	out, err := p.r.d.Orders.Sales(ctx, st, from, to)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (p pochaResolver) Settlement(ctx context.Context, v *pochas.View, month string) (*ordering.Settlement, error) {
	st, err := p.owned(ctx, v)
	if err != nil {
		return nil, err
	}
	out, err := p.r.d.Orders.Settlement(ctx, st, month)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s statsResolver) PerStar(_ context.Context, v *reviews.StatsView) ([]*model.StarCount, error) {
	out := make([]*model.StarCount, 0, 5)
	for stars := 1; stars <= 5; stars++ {
		out = append(out, &model.StarCount{Stars: stars, Count: int(v.PerStar[string(rune('0'+stars))])})
	}
	return out, nil
}

func (n nearbyResolver) Location(_ context.Context, h *geo.Hit) (*livemap.Location, error) {
	return &livemap.Location{Lat: h.Lat, Lng: h.Lng, At: h.At}, nil
}

// Pocha is the stall of a nearby hit, at the position the hit has.
func (n nearbyResolver) Pocha(ctx context.Context, h *geo.Hit) (*pochas.View, error) {
	p, err := loadersOf(ctx, n.r).pocha.Load(ctx, h.ID)
	if err != nil {
		return nil, err
	}
	v := n.r.d.Stalls.ViewAt(ctx, p, &livemap.Location{Lat: h.Lat, Lng: h.Lng, At: h.At})
	return &v, nil
}

func (o orderResolver) Pocha(ctx context.Context, v *ordering.View) (*pochas.View, error) {
	p, err := loadersOf(ctx, o.r).pocha.Load(ctx, v.PochaID)
	if err != nil {
		return nil, err
	}
	sv := o.r.d.Stalls.View(ctx, p)
	return &sv, nil
}

package graphql

import (
	"context"
	"fmt"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/graphql/model"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/store"
)

func (q queryResolver) Me(ctx context.Context) (*store.User, error) {
	c, ok := callerOf(ctx)
	if !ok {
		return nil, nil
	}
	u := c.user
	return &u, nil
}

func (q queryResolver) Pocha(ctx context.Context, id uint64) (*pochas.View, error) {
	p, err := q.r.d.Stalls.Pocha(ctx, id)
	if err != nil {
		return nil, err
	}
	v := q.r.d.Stalls.View(ctx, p)
	return &v, nil
}

func (q queryResolver) Nearby(ctx context.Context, lat, lng float64, radiusM *float64, first *int) ([]*geo.Hit, error) {
	radius := 1000.0
	if radiusM != nil {
		radius = *radiusM
	}
	limit, err := pageSize("first", first, defaultNearby, maxNearby)
	if err != nil {
		return nil, err
	}
	var cs check.Fields
	livemap.CheckNearby(&cs, lat, lng, radius)
	if err := cs.Err(); err != nil {
		return nil, err
	}
	if q.r.d.Live == nil {
		return []*geo.Hit{}, nil
	}
	hits, err := q.r.d.Live.Nearby(ctx, lat, lng, radius, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*geo.Hit, len(hits))
	ids := make([]uint64, len(hits))
	for i := range hits {
		out[i], ids[i] = &hits[i], hits[i].ID
	}
	loadersOf(ctx, q.r).primeStalls(ctx, ids, "pocha")
	return out, nil
}

func (q queryResolver) Orders(ctx context.Context, pochaID *uint64, status *string, first *int, after *string) (*model.OrderConnection, error) {
	u, err := user(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := pageSize("first", first, defaultOrders, maxOrders)
	if err != nil {
		return nil, err
	}
	before, err := q.r.cursor(after)
	if err != nil {
		return nil, err
	}
	f := ordering.ListFilter{BeforeID: before, Limit: limit}
	if pochaID != nil {
		f.PochaID = *pochaID
	}
	if status != nil {
		f.Status = *status
	}
	views, err := q.r.d.Orders.List(ctx, ordering.Caller{UserID: u.ID, Role: u.Role}, f)
	if err != nil {
		return nil, err
	}
	out := &model.OrderConnection{Edges: make([]*model.OrderEdge, len(views)), PageInfo: &model.PageInfo{}}
	ids := make([]uint64, len(views))
	for i := range views {
		out.Edges[i] = &model.OrderEdge{Cursor: q.r.d.EncodeCursor(views[i].ID), Node: &views[i]}
		ids[i] = views[i].PochaID
	}
	loadersOf(ctx, q.r).primeStalls(ctx, ids, "edges", "node", "pocha")
	if n := len(views); n > 0 {
		out.PageInfo.StartCursor, out.PageInfo.EndCursor = &out.Edges[0].Cursor, &out.Edges[n-1].Cursor
		out.PageInfo.HasNextPage = n == limit // as REST: a full page has a next_cursor
	}
	return out, nil
}

func (q queryResolver) Order(ctx context.Context, id uint64) (*ordering.View, error) {
	u, err := user(ctx)
	if err != nil {
		return nil, err
	}
	v, err := q.r.d.Orders.Order(ctx, u.ID, id)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func (q queryResolver) PaymentMethods(ctx context.Context) ([]*ordering.MethodView, error) {
	u, err := withRole(ctx, store.RoleCustomer)
	if err != nil {
		return nil, err
	}
	ms, err := q.r.d.Orders.Methods(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return ptrs(ms), nil
}

// pageSize reads a page size argument: def when absent, 1..max otherwise.
func pageSize(name string, first *int, def, max int) (int, error) {
	if first == nil {
		return def, nil
	}
	if *first < 1 || *first > max {
		return 0, check.Field(name, fmt.Sprintf("must be 1 to %d", max))
	}
	return *first, nil
}

// cursor reads an after argument: the id the page continues below.
func (r *Resolver) cursor(after *string) (uint64, error) {
	if after == nil || *after == "" {
		return 0, nil
	}
	id, ok := r.d.DecodeCursor(*after)
	if !ok {
		return 0, check.Field("after", "must be an endCursor from an earlier page")
	}
	return id, nil
}

// ptrs points at each element of vs.
func ptrs[T any](vs []T) []*T {
	out := make([]*T, len(vs))
	for i := range vs {
		out[i] = &vs[i]
	}
	return out
}

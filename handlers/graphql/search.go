package graphql

import (
	"context"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/pochas"
)

// defaultSearch is searchPochas' page size when first is not given.
const defaultSearch = 20

func (q queryResolver) Categories(context.Context) ([]*pochas.Category, error) {
	out := make([]*pochas.Category, len(pochas.Categories))
	for i := range pochas.Categories {
		c := pochas.Categories[i]
		out[i] = &c
	}
	return out, nil
}

// SearchPochas is GET /pochas/search: the same service, the same rules.
func (q queryResolver) SearchPochas(ctx context.Context, text, category *string, lat, lng *float64, first *int) ([]*pochas.Found, error) {
	limit, err := pageSize("first", first, defaultSearch, pochas.MaxSearchLimit)
	if err != nil {
		return nil, err
	}
	in := pochas.Query{Limit: limit}
	if text != nil {
		in.Text = *text
	}
	if category != nil {
		in.Category = *category
	}
	switch {
	case lat != nil && lng != nil:
		in.Near = &pochas.Point{Lat: *lat, Lng: *lng}
	case lat != nil || lng != nil:
		var cs check.Fields
		cs.Add(lat == nil, "lat", "required with lng")
		cs.Add(lng == nil, "lng", "required with lat")
		return nil, cs.Err()
	}
	found, err := q.r.d.Stalls.Search(ctx, in)
	if err != nil {
		return nil, err
	}
	out := make([]*pochas.Found, len(found))
	for i := range found {
		out[i] = &found[i]
	}
	return out, nil
}

func (foundResolver) Pocha(_ context.Context, f *pochas.Found) (*pochas.View, error) {
	return &f.View, nil
}

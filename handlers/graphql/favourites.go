package graphql

import (
	"context"

	"github.com/illuwa/illuwa/handlers/pochas"
)

func (q queryResolver) Favourites(ctx context.Context) ([]*pochas.View, error) {
	u, err := user(ctx)
	if err != nil {
		return nil, err
	}
	vs, err := q.r.d.Stalls.Favourites(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return ptrs(vs), nil
}

func (m mutationResolver) Favourite(ctx context.Context, pochaID uint64) (*pochas.View, error) {
	u, err := user(ctx)
	if err != nil {
		return nil, err
	}
	v, err := m.r.d.Stalls.Favourite(ctx, u.ID, pochaID)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func (m mutationResolver) Unfavourite(ctx context.Context, pochaID uint64) (bool, error) {
	u, err := user(ctx)
	if err != nil {
		return false, err
	}
	if err := m.r.d.Stalls.Unfavourite(ctx, u.ID, pochaID); err != nil {
		return false, err
	}
	return true, nil
}

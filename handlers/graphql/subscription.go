package graphql

import (
	"context"
	"net/http"

	"github.com/illuwa/illuwa/handlers/graphql/model"
	"github.com/illuwa/illuwa/handlers/ordering"
)

var errNoLive = &Refusal{http.StatusServiceUnavailable, "unavailable", "live updates are off"}

func (s subscriptionResolver) StallsNear(ctx context.Context, lat, lng, radiusM float64) (<-chan *model.StallEvent, error) {
	return nil, errNoLive
}

func (s subscriptionResolver) OrderUpdated(ctx context.Context, id uint64) (<-chan *ordering.View, error) {
	return nil, errNoLive
}

func (s subscriptionResolver) OrderCreated(ctx context.Context, pochaID uint64) (<-chan *ordering.View, error) {
	return nil, errNoLive
}

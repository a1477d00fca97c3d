package ordering

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// maxWelcomeOrders bounds the orders replayed to one new connection.
const maxWelcomeOrders = 100

// Ack records that the user's screen or POS received an order push. Only
// the owner of the order's stall may acknowledge it: any other order is
// ErrNoSuchAck, as it would be over HTTP; anonymous callers get
// ErrAckAnonymous. Acknowledging twice is fine.
func (s *Service) Ack(ctx context.Context, userID, orderID uint64) error {
	if userID == 0 {
		return ErrAckAnonymous
	}
	err := s.store.AckOrder(ctx, orderID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoSuchAck
	}
	return err
}

// Welcome lists what a new WebSocket connection of who gets right after
// hello: for an owner, order.created for every paid order at their stalls
// that this owner has not acknowledged, so a screen or POS that was away
// misses nothing. The client acknowledges each with an ack message.
func (s *Service) Welcome(ctx context.Context, who realtime.Identity) ([]any, error) {
	if who.Role != store.RoleOwner {
		return nil, nil
	}
	orders, err := s.store.UnackedOrders(ctx, who.UserID, maxWelcomeOrders)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(orders))
	for _, o := range orders {
		raw, err := json.Marshal(ViewOf(o))
		if err != nil {
			return nil, err
		}
		out = append(out, realtime.OrderMessage{Type: realtime.TypeOrderCreated, Order: raw, ServerTime: time.Now().UTC()})
	}
	return out, nil
}

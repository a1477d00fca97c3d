package graphql

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/graphql/model"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

var errNoLive = &Refusal{http.StatusServiceUnavailable, "unavailable", "live updates are off; try again"}

// identity is the caller as the realtime hub knows connections.
func identity(ctx context.Context) realtime.Identity {
	c, ok := callerOf(ctx)
	if !ok {
		return realtime.Identity{}
	}
	return realtime.Identity{UserID: c.user.ID, Role: c.user.Role, Session: c.session}
}

// stream opens a hub stream for the caller: the same pushes and map events
// a WebSocket connection of theirs gets, through the same broker.
func (s subscriptionResolver) stream(ctx context.Context) (*realtime.Stream, error) {
	if s.r.d.Hub == nil {
		return nil, errNoLive
	}
	st, err := s.r.d.Hub.OpenStream(ctx, identity(ctx))
	if err != nil {
		return nil, errNoLive
	}
	return st, nil
}

// pump decodes each message of st with conv and sends what it keeps (none,
// one or, after an orders.resync, several) to the returned channel until the
// stream or ctx ends; then the channel closes (the subscription completes).
func pump[T any](ctx context.Context, st *realtime.Stream, first *T, conv func(typ string, raw []byte) []*T) <-chan *T {
	out := make(chan *T, 1)
	go func() {
		defer close(out)
		defer st.Close()
		if first != nil {
			select {
			case out <- first:
			case <-ctx.Done():
				return
			}
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-st.Done():
				return
			case raw := <-st.Messages():
				var head struct{ Type string }
				if json.Unmarshal(raw, &head) != nil {
					continue
				}
				for _, v := range conv(head.Type, raw) {
					select {
					case out <- v:
					case <-ctx.Done():
						return
					}
				}
			}
		}
	}()
	return out
}

func (s subscriptionResolver) StallsNear(ctx context.Context, lat, lng, radiusM float64) (<-chan *model.StallEvent, error) {
	var cs check.Fields
	livemap.CheckNearby(&cs, lat, lng, radiusM)
	if err := cs.Err(); err != nil {
		return nil, err
	}
	st, err := s.stream(ctx)
	if err != nil {
		return nil, err
	}
	out := pump(ctx, st, nil, func(typ string, raw []byte) []*model.StallEvent {
		if ev, ok := stallEvent(typ, raw); ok {
			return []*model.StallEvent{ev}
		}
		return nil
	})
	if err := st.Watch(ctx, lat, lng, radiusM); err != nil {
		st.Close()
		return nil, err
	}
	return out, nil
}

// stallEvent is a map message of the WebSocket protocol as a StallEvent.
func stallEvent(typ string, raw []byte) (*model.StallEvent, bool) {
	var m struct {
		realtime.PochaMessage
		Pochas []realtime.StallView `json:"pochas"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return nil, false
	}
	ev := &model.StallEvent{ServerTime: m.ServerTime}
	switch typ {
	case realtime.TypeSnapshot:
		ev.Type, ev.Snapshot = model.StallEventTypeSnapshot, ptrs(m.Pochas)
		return ev, true
	case realtime.TypePochaMoved:
		ev.Type = model.StallEventTypeMoved
	case realtime.TypePochaOpened:
		ev.Type = model.StallEventTypeOpened
	case realtime.TypePochaClosed:
		ev.Type = model.StallEventTypeClosed
	case realtime.TypePochaLeft:
		ev.Type = model.StallEventTypeLeft
	default:
		return nil, false
	}
	if m.Reason != "" {
		ev.Reason = &m.Reason
	}
	ev.Stall = &realtime.StallView{ID: m.ID, Name: m.Name, Lat: m.Lat, Lng: m.Lng, At: m.At}
	return ev, true
}

// orderPush decodes an order.created or order.updated push.
func orderPush(raw []byte) (ordering.View, bool) {
	var m realtime.OrderMessage
	var v ordering.View
	if json.Unmarshal(raw, &m) != nil || json.Unmarshal(m.Order, &v) != nil {
		return v, false
	}
	return v, true
}

// OrderUpdated sends the order as it is now, then after each push about
// it. Only its customer and its stall's owner may follow it (the same
// check as reading it); the owner learns that it was paid from
// order.created, the others from order.updated.
func (s subscriptionResolver) OrderUpdated(ctx context.Context, id uint64) (<-chan *ordering.View, error) {
	u, err := user(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.stream(ctx)
	if err != nil {
		return nil, err
	}
	now, err := s.r.d.Orders.Order(ctx, u.ID, id) // after subscribing: no change falls in between
	if err != nil {
		st.Close()
		return nil, err
	}
	last := now.UpdatedAt
	return pump(ctx, st, &now, func(typ string, raw []byte) []*ordering.View {
		var v ordering.View
		switch typ {
		case realtime.TypeOrderUpdated, realtime.TypeOrderCreated:
			var ok bool
			if v, ok = orderPush(raw); !ok || v.ID != id {
				return nil
			}
		case realtime.TypeOrdersResync:
			// Pushes may have been lost while the server's broker was
			// away: read the order again.
			var err error
			if v, err = s.r.d.Orders.Order(ctx, u.ID, id); err != nil {
				return nil
			}
		default:
			return nil
		}
		// A push older than what was sent is stale; a re-read is news only
		// if the order changed.
		if v.UpdatedAt.Before(last) || (typ == realtime.TypeOrdersResync && !v.UpdatedAt.After(last)) {
			return nil
		}
		last = v.UpdatedAt
		return []*ordering.View{&v}
	}), nil
}

// OrderCreated sends each new paid order of the owner's stall.
func (s subscriptionResolver) OrderCreated(ctx context.Context, pochaID uint64) (<-chan *ordering.View, error) {
	u, err := withRole(ctx, store.RoleOwner)
	if err != nil {
		return nil, err
	}
	if _, err := s.r.d.Stalls.Owned(ctx, pochaID, u.ID); err != nil {
		return nil, err
	}
	st, err := s.stream(ctx)
	if err != nil {
		return nil, err
	}
	// The orders sent on this subscription, so that the replay after an
	// orders.resync sends each order once.
	sent := map[uint64]bool{}
	return pump(ctx, st, nil, func(typ string, raw []byte) []*ordering.View {
		if len(sent) > 4096 {
			clear(sent) // the oldest are long acknowledged; a repeat is harmless to a client keyed by id
		}
		switch typ {
		case realtime.TypeOrderCreated:
			v, ok := orderPush(raw)
			if !ok || v.PochaID != pochaID || sent[v.ID] {
				return nil
			}
			sent[v.ID] = true
			return []*ordering.View{&v}
		case realtime.TypeOrdersResync:
			// Pushes may have been lost while the server's broker was away:
			// send the stall's paid orders not yet acknowledged and not yet
			// sent here, as a new WebSocket connection gets them.
			msgs, err := s.r.d.Orders.Welcome(ctx, realtime.Identity{UserID: u.ID, Role: u.Role})
			if err != nil {
				return nil
			}
			var out []*ordering.View
			for _, m := range msgs {
				om, ok := m.(realtime.OrderMessage)
				if !ok {
					continue
				}
				var v ordering.View
				if json.Unmarshal(om.Order, &v) != nil || v.PochaID != pochaID || sent[v.ID] {
					continue
				}
				sent[v.ID] = true
				out = append(out, &v)
			}
			return out
		}
		return nil
	}), nil
}

package realtime

import (
	"bytes"
	"encoding/json"
)

// maxSeenOrders bounds the order ids one connection remembers for its
// de-duplication; past it the oldest are forgotten (a screen that stays
// open through more than this many new orders may see a very old one again
// only if it was replayed after all those).
const maxSeenOrders = 4096

// orderCreatedPrefix starts every encoded OrderMessage of type
// order.created (the struct's first field is the type).
var orderCreatedPrefix = []byte(`{"type":"` + TypeOrderCreated + `"`)

// seenOrders remembers the order ids already queued as order.created on one
// connection, oldest first. Guarded by conn.mu.
type seenOrders struct {
	ids  map[uint64]struct{}
	ring []uint64 // insertion order, for eviction
	next int      // next slot of ring to overwrite once full
}

// firstTime records id and reports whether it was new.
func (s *seenOrders) firstTime(id uint64) bool {
	if s.ids == nil {
		s.ids = make(map[uint64]struct{})
	}
	if _, ok := s.ids[id]; ok {
		return false
	}
	if len(s.ring) < maxSeenOrders {
		s.ring = append(s.ring, id)
	} else {
		delete(s.ids, s.ring[s.next])
		s.ring[s.next] = id
		s.next = (s.next + 1) % maxSeenOrders
	}
	s.ids[id] = struct{}{}
	return true
}

// orderCreatedID returns the order id of an encoded order.created message;
// false for any other message.
func orderCreatedID(b []byte) (uint64, bool) {
	if !bytes.HasPrefix(b, orderCreatedPrefix) {
		return 0, false
	}
	var m struct {
		Order struct {
			ID uint64 `json:"id"`
		} `json:"order"`
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Order.ID == 0 {
		return 0, false
	}
	return m.Order.ID, true
}

// duplicateLocked reports whether b is an order.created this connection has
// already queued (by the welcome replay, a resync replay or a live push);
// the protocol sends each order id once per connection. c.mu held.
func (c *conn) duplicateLocked(b []byte) bool {
	id, ok := orderCreatedID(b)
	if !ok {
		return false
	}
	return !c.seen.firstTime(id)
}

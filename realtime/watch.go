package realtime

import (
	"context"
	"encoding/json"
)

// watchState is a connection's current watch: its circle and what the
// client has been told about each stall.
type watchState struct {
	circle        // lat, lng, radiusM and the fast inside test
	ref    string // echoed by the next snapshot

	// known holds, per stall id, the newest position time sent (or
	// dropped as superseded) and whether the client has it on its map.
	// Entries with in == false are tombstones: they stop older or
	// duplicate events (a border crossing is published to two topics).
	known map[uint64]knownStall
	tombs int // entries with in == false, swept past maxTombstones

	gen          uint32 // bumped by each snapshot attempt
	snapshotting bool   // events wait in pending until the snapshot is sent
	overflow     bool   // pending overflowed: take the snapshot again
	pending      []*envelope
}

type knownStall struct {
	at int64 // Unix nanoseconds
	in bool
}

// watch replaces c's watch: subscribe the new topics first, then take the
// snapshot, then send it followed by the events that arrived meanwhile.
func (h *Hub) watch(ctx context.Context, c *conn, lat, lng, radiusM float64, ref string) {
	topics := h.m.Topics(lat, lng, radiusM)
	c.mu.Lock()
	w := &watchState{circle: newCircle(lat, lng, radiusM), ref: ref, snapshotting: true}
	if c.w != nil {
		w.gen = c.w.gen + 1
	}
	c.w = w
	c.mu.Unlock()

	h.mu.Lock()
	changed := h.setTopicsLocked(c, topics)
	h.mu.Unlock()
	if err := h.syncTopics(ctx, changed); err != nil {
		c.sendError(ref, CodeInternal, "live updates are unavailable, try again")
	}
	h.snapshot(ctx, c, false)
}

// unwatch stops map events for c.
func (h *Hub) unwatch(c *conn) {
	c.mu.Lock()
	c.w = nil
	c.mu.Unlock()
	h.mu.Lock()
	changed := h.setTopicsLocked(c, nil)
	h.mu.Unlock()
	_ = h.syncTopics(h.baseCtx, changed) // on failure the next change retries
}

// snapshot takes a snapshot of c's watch and sends it. Events that arrive
// while it is taken are held and filtered after it, so the client never
// sees a position older than one it already has. A newer snapshot (new
// watch or resync) supersedes this one. resync starts a new attempt for
// the current watch.
func (h *Hub) snapshot(ctx context.Context, c *conn, resync bool) {
	for attempt := 0; ; attempt++ {
		c.mu.Lock()
		w := c.w
		if w == nil || c.closing {
			c.mu.Unlock()
			return
		}
		if resync || attempt > 0 {
			w.gen++
			w.snapshotting = true
		}
		gen, lat, lng, radiusM, ref := w.gen, w.lat, w.lng, w.radiusM, w.ref
		c.mu.Unlock()

		views, err := h.m.Snapshot(ctx, lat, lng, radiusM)
		var msg []byte
		if err == nil {
			if views == nil {
				views = []StallView{}
			}
			for i := range views {
				views[i].At = views[i].At.UTC()
			}
			msg, _ = json.Marshal(SnapshotMessage{
				Type: TypeSnapshot, Ref: ref, Lat: lat, Lng: lng, RadiusM: radiusM,
				Pochas: views, ServerTime: now(),
			})
		} else {
			msg, _ = json.Marshal(ErrorMessage{
				Type: TypeError, Code: CodeInternal, Message: "snapshot unavailable, watch again",
				Ref: ref, ServerTime: now(),
			})
		}

		c.mu.Lock()
		if c.w != w || w.gen != gen {
			c.mu.Unlock()
			return // superseded
		}
		if w.overflow && attempt < 3 {
			w.overflow, w.pending = false, nil
			c.mu.Unlock()
			continue
		}
		w.ref = ""
		w.snapshotting, w.overflow = false, false
		pending := w.pending
		w.pending = nil
		w.known = nil
		if len(views) > 0 {
			w.known = make(map[uint64]knownStall, len(views))
			for _, v := range views {
				w.known[v.ID] = knownStall{at: v.At.UnixNano(), in: true}
			}
		}
		c.enqueueLocked(msg)
		for _, e := range pending {
			c.deliverLocked(e)
		}
		c.mu.Unlock()
		return
	}
}

// deliver filters one stall event for c.
func (c *conn) deliver(e *envelope) {
	c.mu.Lock()
	c.deliverLocked(e)
	c.mu.Unlock()
}

// deliverLocked decides exactly what c's client must see of e: the event
// itself inside the circle, "pocha.left" for a known stall now outside,
// nothing otherwise; never an older or duplicate position. c.mu held.
func (c *conn) deliverLocked(e *envelope) {
	w := c.w
	if w == nil || c.closing {
		return
	}
	if w.snapshotting {
		if len(w.pending) >= maxPending {
			w.overflow = true
			c.hub.metrics.dropped.Inc()
			return
		}
		w.pending = append(w.pending, e)
		return
	}
	k, known := w.known[e.id]
	if e.kind == kindPaused || e.kind == kindResumed {
		// A status, not a position: for the watchers that see the stall.
		if known && k.in {
			c.enqueueLocked(e.json)
		}
		return
	}
	if known && e.at <= k.at {
		// The same event again (published to two topics) is nothing; an
		// older one is an event the client never gets, counted.
		if e.at < k.at {
			c.hub.metrics.superseded.Inc()
		}
		return
	}
	switch {
	case e.kind == kindClosed:
		if known && k.in {
			c.enqueueLocked(e.json)
			w.updateKnown(e.id, e.at, false, k, known)
		} else if known {
			w.updateKnown(e.id, e.at, false, k, known)
		}
	case w.contains(e.lat, e.lng, e.cosLat, e.geoOK):
		c.enqueueLocked(e.json)
		w.updateKnown(e.id, e.at, true, k, known)
	case known && k.in:
		c.enqueueLocked(e.leftJSON())
		w.updateKnown(e.id, e.at, false, k, known)
	case known:
		w.updateKnown(e.id, e.at, false, k, known)
	}
}

// maxTombstones bounds the tombstones a long-lived watch keeps. Past it
// they are swept: an outside stall then counts as unknown again, which can
// only drop events, never show an old position as current.
const maxTombstones = 512

// updateKnown records id's last event (at) and whether it is inside the
// circle, given what w.known holds for id now (old, had), which
// deliverLocked has just looked up.
func (w *watchState) updateKnown(id uint64, at int64, in bool, old knownStall, had bool) {
	if w.known == nil {
		w.known = make(map[uint64]knownStall)
	}
	switch {
	case !in && (!had || old.in):
		w.tombs++
	case in && had && !old.in:
		w.tombs--
	}
	w.known[id] = knownStall{at: at, in: in}
	if w.tombs > maxTombstones {
		for k, v := range w.known {
			if !v.in {
				delete(w.known, k)
			}
		}
		w.tombs = 0
	}
}

package geo

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// hitRef is a found stall while a Nearby query runs: small, so that
// sorting moves little memory.
type hitRef struct {
	d  float64
	id uint64
	e  *memEntry
}

// compareHitRefs orders by distance then ID (distances are never NaN).
func compareHitRefs(a, b hitRef) int {
	switch {
	case a.d < b.d:
		return -1
	case a.d > b.d:
		return 1
	case a.id < b.id:
		return -1
	case a.id > b.id:
		return 1
	}
	return 0
}

// hitRefPool recycles the scratch lists of Nearby.
var hitRefPool = sync.Pool{New: func() any { s := make([]hitRef, 0, 256); return &s }}

// Nearby implements Index. The covering comes from the cache; each member
// of its cells is tested against the query's bounding box, and only those
// inside get the haversine.
func (m *MemoryIndex) Nearby(ctx context.Context, lat, lng, radiusM float64, limit int) ([]Hit, error) {
	return m.AppendNearby(ctx, nil, lat, lng, radiusM, limit)
}

var _ NearbyAppender = (*MemoryIndex)(nil)

// AppendNearby implements NearbyAppender: Nearby, appending to dst.
func (m *MemoryIndex) AppendNearby(ctx context.Context, dst []Hit, lat, lng, radiusM float64, limit int) ([]Hit, error) {
	if err := validateQuery(lat, lng, radiusM); err != nil {
		return dst, err
	}
	if err := ctx.Err(); err != nil {
		return dst, fmt.Errorf("geo: nearby: %w", err)
	}
	q := newCircle(lat, lng, radiusM)
	cells := cachedCover(cellOf(lat, lng, MemoryCellResolution), radiusM)
	bufp := hitRefPool.Get().(*[]hitRef)
	refs := (*bufp)[:0]
	defer func() {
		if cap(refs) <= 4096 {
			clear(refs) // drop the entry pointers
			*bufp = refs[:0]
			hitRefPool.Put(bufp)
		}
	}()

	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return dst, ErrClosed
	}
	for i := range cells {
		for _, mb := range m.byCell[cells[i]] {
			if !q.inBox(mb.lat, mb.lng) {
				continue
			}
			if d := q.distanceM(mb.lat, mb.lng, mb.cos); d <= radiusM {
				refs = append(refs, hitRef{d: d, id: mb.e.pos.ID, e: mb.e})
			}
		}
	}
	if len(refs) == 0 {
		return dst, nil
	}
	slices.SortFunc(refs, compareHitRefs)
	n := len(refs)
	if limit > 0 && n > limit {
		n = limit
	}
	dst = slices.Grow(dst, n)
	for _, r := range refs[:n] {
		dst = append(dst, Hit{Position: r.e.pos, DistanceM: r.d})
	}
	return dst, nil
}

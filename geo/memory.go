package geo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/uber/h3-go/v4"
)

// MemoryIndex is an Index held in this process's memory: a map by ID and a
// set of IDs per stall cell behind one RWMutex, so lookups run in parallel.
// It suits a single instance; positions are lost when the process ends.
type MemoryIndex struct {
	mu     sync.RWMutex
	byID   map[uint64]memEntry
	byCell map[h3.Cell]map[uint64]struct{}
	closed bool
}

type memEntry struct {
	pos  Position
	cell h3.Cell
}

var _ Index = (*MemoryIndex)(nil)

// NewMemoryIndex returns an empty MemoryIndex.
func NewMemoryIndex() *MemoryIndex {
	return &MemoryIndex{
		byID:   make(map[uint64]memEntry),
		byCell: make(map[h3.Cell]map[uint64]struct{}),
	}
}

// Upsert implements Index.
func (m *MemoryIndex) Upsert(ctx context.Context, p Position) (Position, bool, error) {
	if err := ValidateCoord(p.Lat, p.Lng); err != nil {
		return Position{}, false, fmt.Errorf("geo: upsert %d: %w", p.ID, err)
	}
	if err := ctx.Err(); err != nil {
		return Position{}, false, fmt.Errorf("geo: upsert %d: %w", p.ID, err)
	}
	p = normalize(p, time.Now())
	cell := cellOf(p.Lat, p.Lng, StallResolution)

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Position{}, false, ErrClosed
	}
	old, existed := m.byID[p.ID]
	if existed && old.cell != cell {
		m.removeFromCell(old.cell, p.ID)
	}
	if !existed || old.cell != cell {
		set := m.byCell[cell]
		if set == nil {
			set = make(map[uint64]struct{})
			m.byCell[cell] = set
		}
		set[p.ID] = struct{}{}
	}
	m.byID[p.ID] = memEntry{pos: p, cell: cell}
	return old.pos, existed, nil
}

// Remove implements Index.
func (m *MemoryIndex) Remove(ctx context.Context, id uint64) (Position, bool, error) {
	if err := ctx.Err(); err != nil {
		return Position{}, false, fmt.Errorf("geo: remove %d: %w", id, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Position{}, false, ErrClosed
	}
	old, ok := m.byID[id]
	if !ok {
		return Position{}, false, nil
	}
	m.removeLocked(id, old.cell)
	return old.pos, true, nil
}

// Get implements Index.
func (m *MemoryIndex) Get(ctx context.Context, id uint64) (Position, bool, error) {
	if err := ctx.Err(); err != nil {
		return Position{}, false, fmt.Errorf("geo: get %d: %w", id, err)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return Position{}, false, ErrClosed
	}
	e, ok := m.byID[id]
	return e.pos, ok, nil
}

// Nearby implements Index.
func (m *MemoryIndex) Nearby(ctx context.Context, lat, lng, radiusM float64, limit int) ([]Hit, error) {
	if err := validateQuery(lat, lng, radiusM); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("geo: nearby: %w", err)
	}
	cells := diskCells(lat, lng, radiusM)

	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	var hits []Hit
	for _, c := range cells {
		for id := range m.byCell[c] {
			p := m.byID[id].pos
			if d := DistanceM(lat, lng, p.Lat, p.Lng); d <= radiusM {
				hits = append(hits, Hit{Position: p, DistanceM: d})
			}
		}
	}
	return sortHits(hits, limit), nil
}

// Expire implements Index. It scans every position under the write lock.
func (m *MemoryIndex) Expire(ctx context.Context, cutoff time.Time) ([]Position, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("geo: expire: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	var out []Position
	for id, e := range m.byID {
		if e.pos.Seen.Before(cutoff) {
			m.removeLocked(id, e.cell)
			out = append(out, e.pos)
		}
	}
	return out, nil
}

// Close implements Index.
func (m *MemoryIndex) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.byID = nil
	m.byCell = nil
	return nil
}

func (m *MemoryIndex) removeLocked(id uint64, cell h3.Cell) {
	delete(m.byID, id)
	m.removeFromCell(cell, id)
}

func (m *MemoryIndex) removeFromCell(cell h3.Cell, id uint64) {
	set := m.byCell[cell]
	delete(set, id)
	if len(set) == 0 {
		delete(m.byCell, cell)
	}
}

// validateQuery checks the arguments of Nearby.
func validateQuery(lat, lng, radiusM float64) error {
	if err := ValidateCoord(lat, lng); err != nil {
		return fmt.Errorf("geo: nearby: %w", err)
	}
	if err := ValidateRadius(radiusM); err != nil {
		return fmt.Errorf("geo: nearby: %w", err)
	}
	return nil
}

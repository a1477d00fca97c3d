package geo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/uber/h3-go/v4"
)

// MemoryIndex is an Index held in this process's memory: a map by ID and,
// per cell of MemoryCellResolution, a packed list of the stalls in it, behind one RWMutex so
// lookups run in parallel. It suits a single instance; positions are lost
// when the process ends.
type MemoryIndex struct {
	mu     sync.RWMutex
	byID   map[uint64]*memEntry
	byCell map[h3.Cell][]cellMember
	closed bool
}

// memEntry is one stall. Entries are updated in place under the write lock.
type memEntry struct {
	pos  Position
	cell h3.Cell
	slot int // index of this stall in byCell[cell]
}

// cellMember is a stall in a cell's list, with what the Nearby scan reads
// kept inline so the scan walks memory in order.
type cellMember struct {
	lat, lng, cos float64
	e             *memEntry
}

var _ Index = (*MemoryIndex)(nil)

// NewMemoryIndex returns an empty MemoryIndex.
func NewMemoryIndex() *MemoryIndex {
	return &MemoryIndex{
		byID:   make(map[uint64]*memEntry),
		byCell: make(map[h3.Cell][]cellMember),
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
	cell := memoCell(p.Lat, p.Lng, MemoryCellResolution)
	cos := cosLat(p.Lat)

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Position{}, false, ErrClosed
	}
	e, existed := m.byID[p.ID]
	if !existed {
		e = &memEntry{pos: p, cell: cell}
		m.byID[p.ID] = e
		m.addToCell(e, cos)
		return Position{}, false, nil
	}
	prev := e.pos
	m.storeLocked(e, p, cell, cos)
	return prev, true, nil
}

// Move implements Index. The checks and the write run under the write lock.
func (m *MemoryIndex) Move(ctx context.Context, p Position, maxSpeedKmh float64) (Position, error) {
	if err := ValidateCoord(p.Lat, p.Lng); err != nil {
		return Position{}, fmt.Errorf("geo: move %d: %w", p.ID, err)
	}
	if err := validateMaxSpeed(maxSpeedKmh); err != nil {
		return Position{}, fmt.Errorf("geo: move %d: %w", p.ID, err)
	}
	if err := ctx.Err(); err != nil {
		return Position{}, fmt.Errorf("geo: move %d: %w", p.ID, err)
	}
	p = normalize(p, time.Now())
	cell := memoCell(p.Lat, p.Lng, MemoryCellResolution)
	cos := cosLat(p.Lat)

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Position{}, ErrClosed
	}
	e, ok := m.byID[p.ID]
	if !ok {
		return Position{}, fmt.Errorf("geo: move %d: %w", p.ID, ErrNotFound)
	}
	prev := e.pos
	if err := moveRefusal(prev, p, maxSpeedKmh); err != nil {
		return prev, fmt.Errorf("geo: move %d: %w", p.ID, err)
	}
	p.Name = prev.Name
	m.storeLocked(e, p, cell, cos)
	return prev, nil
}

// storeLocked replaces an indexed entry's position.
func (m *MemoryIndex) storeLocked(e *memEntry, p Position, cell h3.Cell, cos float64) {
	e.pos = p
	if e.cell == cell {
		m.byCell[cell][e.slot] = cellMember{lat: p.Lat, lng: p.Lng, cos: cos, e: e}
		return
	}
	m.removeFromCell(e)
	e.cell = cell
	m.addToCell(e, cos)
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
	e, ok := m.byID[id]
	if !ok {
		return Position{}, false, nil
	}
	m.removeLocked(e)
	return e.pos, true, nil
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
	if !ok {
		return Position{}, false, nil
	}
	return e.pos, true, nil
}

// Positions implements Index, under one read lock.
func (m *MemoryIndex) Positions(ctx context.Context, ids []uint64) (map[uint64]Position, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("geo: positions: %w", err)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	out := make(map[uint64]Position, len(ids))
	for _, id := range ids {
		if e, ok := m.byID[id]; ok {
			out[id] = e.pos
		}
	}
	return out, nil
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
	for _, e := range m.byID {
		if e.pos.Seen.Before(cutoff) {
			m.removeLocked(e)
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

func (m *MemoryIndex) removeLocked(e *memEntry) {
	delete(m.byID, e.pos.ID)
	m.removeFromCell(e)
}

// addToCell appends e to the list of its cell.
func (m *MemoryIndex) addToCell(e *memEntry, cos float64) {
	list := m.byCell[e.cell]
	e.slot = len(list)
	m.byCell[e.cell] = append(list, cellMember{lat: e.pos.Lat, lng: e.pos.Lng, cos: cos, e: e})
}

// removeFromCell takes e out of the list of its cell by moving the last
// member into its slot; an emptied list is deleted.
func (m *MemoryIndex) removeFromCell(e *memEntry) {
	list := m.byCell[e.cell]
	last := len(list) - 1
	if e.slot != last {
		list[e.slot] = list[last]
		list[e.slot].e.slot = e.slot
	}
	list[last] = cellMember{}
	if last == 0 {
		delete(m.byCell, e.cell)
		return
	}
	m.byCell[e.cell] = list[:last]
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

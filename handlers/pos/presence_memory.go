package pos

import (
	"context"
	"sync"
	"time"
)

// MemoryPresence is a PresenceStore in this process's memory, for one
// instance.
type MemoryPresence struct {
	mu     sync.Mutex
	seen   map[string]map[string]time.Time
	paused map[uint64]bool
}

var _ PresenceStore = (*MemoryPresence)(nil)

// NewMemoryPresence returns an empty presence store.
func NewMemoryPresence() *MemoryPresence {
	return &MemoryPresence{seen: map[string]map[string]time.Time{}, paused: map[uint64]bool{}}
}

// Mark implements PresenceStore.
func (m *MemoryPresence) Mark(_ context.Context, scope, member string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen[scope] == nil {
		m.seen[scope] = map[string]time.Time{}
	}
	m.seen[scope][member] = at
	return nil
}

// Drop implements PresenceStore.
func (m *MemoryPresence) Drop(_ context.Context, scope, member string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.seen[scope], member)
	return nil
}

// Seen implements PresenceStore.
func (m *MemoryPresence) Seen(_ context.Context, scope string, since time.Time) (map[string]time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]time.Time{}
	for k, at := range m.seen[scope] {
		if !at.Before(since) {
			out[k] = at
		} else if at.Before(since.Add(-time.Hour)) {
			delete(m.seen[scope], k)
		}
	}
	return out, nil
}

// SeenEach implements PresenceStore.
func (m *MemoryPresence) SeenEach(ctx context.Context, scopes []string, since time.Time) ([]map[string]time.Time, error) {
	out := make([]map[string]time.Time, len(scopes))
	for i, sc := range scopes {
		out[i], _ = m.Seen(ctx, sc, since)
	}
	return out, nil
}

// SetPausedEach implements PresenceStore.
func (m *MemoryPresence) SetPausedEach(_ context.Context, ids []uint64, paused []bool) ([]bool, error) {
	if len(ids) != len(paused) {
		return nil, errEachLengths
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	changed := make([]bool, len(ids))
	for i, id := range ids {
		if m.paused[id] == paused[i] {
			continue
		}
		changed[i] = true
		if paused[i] {
			m.paused[id] = true
		} else {
			delete(m.paused, id)
		}
	}
	return changed, nil
}

// SweepTurn implements PresenceStore: in one process, always this one's.
func (m *MemoryPresence) SweepTurn(context.Context, time.Duration) (bool, error) { return true, nil }

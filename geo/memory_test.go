package geo

import "testing"

// inspectedMemory lets the contract suite look inside the cell sets.
type inspectedMemory struct{ *MemoryIndex }

func (m inspectedMemory) cellsHolding(t *testing.T, id uint64) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, set := range m.byCell {
		if len(set) == 0 {
			t.Error("an empty cell set was left behind")
		}
		if _, ok := set[id]; ok {
			n++
		}
	}
	return n
}

func TestMemoryIndex(t *testing.T) {
	testIndex(t, func(t *testing.T) Index {
		idx := NewMemoryIndex()
		t.Cleanup(func() { _ = idx.Close() })
		return inspectedMemory{idx}
	})
}

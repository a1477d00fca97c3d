package geo

import "testing"

// inspectedMemory lets the contract suite look inside the cell sets.
type inspectedMemory struct{ *MemoryIndex }

func (m inspectedMemory) cellsHolding(t *testing.T, id uint64) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for cell, list := range m.byCell {
		if len(list) == 0 {
			t.Error("an empty cell list was left behind")
		}
		for i, mb := range list {
			if mb.e.slot != i || mb.e.cell != cell || mb.lat != mb.e.pos.Lat || mb.lng != mb.e.pos.Lng {
				t.Errorf("cell %v slot %d: member out of step with its entry %+v", cell, i, *mb.e)
			}
			if mb.e.pos.ID == id {
				n++
			}
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

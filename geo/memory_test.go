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

// AppendNearby appends what Nearby returns, after what dst holds, and
// leaves dst as it was when nothing is near or the query is refused.
func TestMemoryAppendNearby(t *testing.T) {
	idx := NewMemoryIndex()
	t.Cleanup(func() { _ = idx.Close() })
	ctx := t.Context()
	for i, p := range [][2]float64{{37.5665, 126.978}, {37.5670, 126.979}, {37.5700, 126.980}, {37.60, 127.0}} {
		if _, _, err := idx.Upsert(ctx, Position{ID: uint64(i + 1), Lat: p[0], Lng: p[1]}); err != nil {
			t.Fatal(err)
		}
	}
	keep := Hit{Position: Position{ID: 99}}
	for _, limit := range []int{0, 2} {
		want, err := idx.Nearby(ctx, 37.5665, 126.978, 1000, limit)
		if err != nil {
			t.Fatal(err)
		}
		got, err := idx.AppendNearby(ctx, []Hit{keep}, 37.5665, 126.978, 1000, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || len(got) != 1+len(want) || got[0] != keep {
			t.Fatalf("limit %d: got %v, want %v after the kept hit", limit, got, want)
		}
		for i := range want {
			if got[1+i] != want[i] {
				t.Fatalf("limit %d: hit %d is %+v, want %+v", limit, i, got[1+i], want[i])
			}
		}
	}
	if got, err := idx.AppendNearby(ctx, []Hit{keep}, -33.9, 151.2, 1000, 0); err != nil || len(got) != 1 || got[0] != keep {
		t.Fatalf("nothing near: %v, %v", got, err)
	}
	if got, err := idx.AppendNearby(ctx, []Hit{keep}, 95, 0, 1000, 0); err == nil || len(got) != 1 || got[0] != keep {
		t.Fatalf("bad latitude: %v, %v", got, err)
	}
}

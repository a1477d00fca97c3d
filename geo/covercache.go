package geo

import (
	"math"
	"sync"

	"github.com/uber/h3-go/v4"
)

// coverKey identifies a cached covering: every cell at the stall
// resolution whose centre lies within radiusM + the origin's circumradius
// (+ coverMarginM) + its own circumradius of the origin's centre.
type coverKey struct {
	origin  h3.Cell
	radiusM float64
}

// A covering hardly depends on where in its centre cell a query point
// lies, and a city's queries reuse a few thousand centre cells and radii,
// so coverings are cached. Each shard holds at most coverShardMaxCells
// cells in all; past that, arbitrary entries are evicted. That bounds the
// cache to coverShards × coverShardMaxCells × 8 B = 8 MB (about 13,000
// coverings of 1 km; Seoul has about 8,300 stall cells).
const (
	coverShards        = 32 // must match the shift in cachedCover
	coverShardMaxCells = 32_768
	// coverMarginM is added to the origin's circumradius so that rounding
	// in H3's point-to-cell assignment can never leave a cell out.
	coverMarginM = 1.0
)

type coverShard struct {
	mu    sync.RWMutex
	m     map[coverKey][]h3.Cell
	cells int
}

var coverCache [coverShards]coverShard

// cachedCover returns, sorted, the cells of origin's resolution that may
// meet a circle of radiusM around any point of the cell origin: for every
// point p in origin, a superset of coverCells(p, radiusM, res of origin).
// The slice is shared: callers must not modify it. radiusM must be valid.
func cachedCover(origin h3.Cell, radiusM float64) []h3.Cell {
	key := coverKey{origin: origin, radiusM: radiusM}
	h := (uint64(origin) ^ math.Float64bits(radiusM)) * 0x9E3779B97F4A7C15
	s := &coverCache[h>>59]
	s.mu.RLock()
	cells, ok := s.m[key]
	s.mu.RUnlock()
	if ok {
		return cells
	}
	g := geometry(origin)
	cells = coverCells(g.lat, g.lng, radiusM+g.radiusM+coverMarginM, resolutionOf(origin))
	cells = cells[:len(cells):len(cells)] // an append by a caller copies
	if len(cells) > coverShardMaxCells/16 {
		return cells // a very wide circle: rare, and it would crowd out the rest
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[coverKey][]h3.Cell)
	}
	if _, dup := s.m[key]; dup {
		return cells
	}
	for k, v := range s.m { // map order is arbitrary: a random eviction
		if s.cells+len(cells) <= coverShardMaxCells {
			break
		}
		delete(s.m, k)
		s.cells -= len(v)
	}
	s.m[key] = cells
	s.cells += len(cells)
	return cells
}

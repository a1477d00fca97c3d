package geo

import (
	"sync"

	"github.com/uber/h3-go/v4"
)

// cellGeom is the part of a cell's geometry the coverings need.
type cellGeom struct {
	lat, lng float64 // centre, degrees
	radiusM  float64 // circumradius
}

// Computing a cell's centre and boundary costs microseconds in the H3 C
// library, while a city's stalls and watchers reuse a few thousand cells,
// so cell geometry is cached. Each shard is dropped whole when it grows
// past geomShardMax, which bounds the cache to a few megabytes.
const (
	geomShards   = 32 // must match the shift in geometry
	geomShardMax = 4096
)

type geomShard struct {
	mu sync.RWMutex
	m  map[h3.Cell]cellGeom
}

var geomCache [geomShards]geomShard

// geometry returns the centre and circumradius of c, from the cache when
// it is there.
func geometry(c h3.Cell) cellGeom {
	// Fibonacci hashing: the unused low digits of a coarse cell id are all
	// ones, so the id's own low bits would put every cell in one shard.
	s := &geomCache[(uint64(c)*0x9E3779B97F4A7C15)>>59]
	s.mu.RLock()
	g, ok := s.m[c]
	s.mu.RUnlock()
	if ok {
		return g
	}
	ctr, r := circumradiusM(c)
	g = cellGeom{lat: ctr.Lat, lng: ctr.Lng, radiusM: r}
	s.mu.Lock()
	if s.m == nil || len(s.m) >= geomShardMax {
		s.m = make(map[h3.Cell]cellGeom)
	}
	s.m[c] = g
	s.mu.Unlock()
	return g
}

package geo

import (
	"math"
	"slices"

	"github.com/uber/h3-go/v4"
)

// StallResolution is the H3 resolution at which stall positions are indexed
// (cells of about 0.1 km², edges of about 175 m).
const StallResolution = 9

// TopicResolution is the H3 resolution of the fan-out topic cells. It was
// chosen by measurement for 1 km watch radii; docs/geo.md has the numbers.
const TopicResolution = 8

// MemoryCellResolution is the H3 resolution of the lists MemoryIndex keeps
// its stalls in (cells of about 0.74 km²). Coarser than StallResolution: in
// a city as dense as the load tool's Seoul (10,000 stalls), a 1 km Nearby
// looks up 23 lists of about 8 stalls instead of 79 of about 1, and most of
// its cost was finding the lists.
const MemoryCellResolution = 8

// resolutionOf is c's resolution, read from its bits (H3 index mode 1: bits
// 52–55), without a call into C.
func resolutionOf(c h3.Cell) int { return int(uint64(c) >> 52 & 0xF) }

// cellOf returns the cell containing a valid point at res.
func cellOf(lat, lng float64, res int) h3.Cell {
	return h3.LatLngToCell(h3.NewLatLng(lat, lng), res)
}

// circumradiusM returns the largest distance from the cell's centre to a
// vertex of its boundary, and the centre itself. H3 cell edges are
// great-circle arcs, so no point of the cell is farther from the centre.
func circumradiusM(c h3.Cell) (h3.LatLng, float64) {
	ctr := h3.CellToLatLng(c)
	var maxD float64
	for _, v := range h3.CellToBoundary(c) {
		if d := DistanceM(ctr.Lat, ctr.Lng, v.Lat, v.Lng); d > maxD {
			maxD = d
		}
	}
	return ctr, maxD
}

// coverCells returns, sorted by cell id, every cell at res that may
// intersect the circle of radiusM around (lat, lng): all cells that do, and
// only those whose centre lies within radiusM plus the cell's circumradius.
// The point and radius must be valid.
//
// The cells that intersect a circle form a connected set containing the
// centre cell, so once a whole grid ring around the centre cell holds none
// of them no farther ring does; the disk is grown until that is true.
func coverCells(lat, lng, radiusM float64, res int) []h3.Cell {
	origin := cellOf(lat, lng, res)
	c0 := geometry(origin).radiusM
	// Neighbouring centres are about 1.5 circumradii apart per ring, so this
	// is usually one ring more than needed.
	k := int(math.Ceil((radiusM+c0)/(1.5*c0))) + 1
	var out []h3.Cell
	for {
		out = out[:0]
		outerHit := false
		for d, ring := range h3.GridDiskDistances(origin, k) {
			for _, c := range ring {
				if c == 0 || !mayIntersect(c, lat, lng, radiusM) {
					continue
				}
				out = append(out, c)
				if d == k {
					outerHit = true
				}
			}
		}
		if !outerHit {
			break
		}
		k *= 2
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// mayIntersect reports whether cell c may intersect the circle: its centre
// lies within radiusM plus its circumradius (plus a millimetre for rounding).
func mayIntersect(c h3.Cell, lat, lng, radiusM float64) bool {
	g := geometry(c)
	return DistanceM(lat, lng, g.lat, g.lng) <= radiusM+g.radiusM+1e-3
}

// diskCells returns the stall cells that may hold a stall within radiusM
// of (lat, lng).
func diskCells(lat, lng, radiusM float64) []h3.Cell {
	return coverCells(lat, lng, radiusM, StallResolution)
}

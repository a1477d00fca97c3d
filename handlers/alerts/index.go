package alerts

import (
	"math"
	"slices"
	"sync"

	"github.com/uber/h3-go/v4"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/store"
)

// indexResolution is the H3 resolution saved places are indexed at (the
// stall resolution: edges of about 175 m), fine enough that the cells
// looked up hold few places beyond the radius.
const indexResolution = geo.StallResolution

// radiusClasses bound the alert radii of the index's groups: an opening
// looks up, in each group, the cells within that group's largest radius, so
// a group of small radii is not searched as wide as the largest radius.
var radiusClasses = []int{250, 500, 1000, 1500, 2000, MaxRadiusM}

// place is one indexed saved place.
type place struct {
	id, userID uint64
	lat, lng   float64
	radiusM    float64
	cell       h3.Cell
	class      int
}

// placeIndex finds the saved places whose alert disc covers a point, at a
// cost proportional to the places near it, not to all places. Each place
// sits in the cell of its centre, in the group of its radius class. Safe
// for concurrent use.
type placeIndex struct {
	mu      sync.RWMutex
	classes []map[h3.Cell][]*place // by radius class
	byUser  map[uint64][]*place
	count   int
}

func newPlaceIndex() *placeIndex {
	ix := &placeIndex{classes: make([]map[h3.Cell][]*place, len(radiusClasses)), byUser: map[uint64][]*place{}}
	for i := range ix.classes {
		ix.classes[i] = map[h3.Cell][]*place{}
	}
	return ix
}

func classOf(radiusM int) int {
	for i, r := range radiusClasses {
		if radiusM <= r {
			return i
		}
	}
	return len(radiusClasses) - 1
}

// setUser makes ps (the places of one user that alert on any opening) the
// user's indexed places.
func (ix *placeIndex) setUser(userID uint64, ps []store.SavedPlace) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(userID)
	for _, p := range ps {
		if p.AlertAnyOpen {
			ix.addLocked(p)
		}
	}
}

// add indexes one place unless it is already there.
func (ix *placeIndex) add(p store.SavedPlace) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, q := range ix.byUser[p.UserID] {
		if q.id == p.ID {
			return
		}
	}
	ix.addLocked(p)
}

// drop removes one place (gone from the database).
func (ix *placeIndex) drop(userID, placeID uint64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	keep := ix.byUser[userID][:0]
	for _, q := range ix.byUser[userID] {
		if q.id == placeID {
			ix.unlinkLocked(q)
			continue
		}
		keep = append(keep, q)
	}
	if len(keep) == 0 {
		delete(ix.byUser, userID)
	} else {
		ix.byUser[userID] = keep
	}
}

func (ix *placeIndex) addLocked(p store.SavedPlace) {
	e := &place{id: p.ID, userID: p.UserID, lat: p.Lat, lng: p.Lng, radiusM: float64(p.RadiusM),
		cell: h3.LatLngToCell(h3.NewLatLng(p.Lat, p.Lng), indexResolution), class: classOf(p.RadiusM)}
	m := ix.classes[e.class]
	m[e.cell] = append(m[e.cell], e)
	ix.byUser[p.UserID] = append(ix.byUser[p.UserID], e)
	ix.count++
}

func (ix *placeIndex) removeLocked(userID uint64) {
	for _, e := range ix.byUser[userID] {
		ix.unlinkLocked(e)
	}
	delete(ix.byUser, userID)
}

func (ix *placeIndex) unlinkLocked(e *place) {
	m := ix.classes[e.class]
	cell := slices.DeleteFunc(m[e.cell], func(q *place) bool { return q == e })
	if len(cell) == 0 {
		delete(m, e.cell)
	} else {
		m[e.cell] = cell
	}
	ix.count--
}

// size is how many places are indexed.
func (ix *placeIndex) size() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.count
}

// Match is a saved place whose disc covers an opening stall.
type Match struct {
	PlaceID, UserID uint64
	DistanceM       float64
}

// ringsFor is the grid distance k around a cell that holds every cell
// whose points may lie within radiusM of a point of the cell: neighbouring
// centres are at least about 1.5 circumradii apart per ring (1.73 on a
// regular grid), and the two end points may each sit a circumradius off
// their cells' centres.
func ringsFor(circumradiusM, radiusM float64) int {
	return int(math.Ceil((radiusM+2*circumradiusM)/(1.5*circumradiusM))) + 1
}

// circumradiusM is the largest distance from the cell's centre to a vertex.
func circumradiusM(c h3.Cell) float64 {
	ctr := h3.CellToLatLng(c)
	var cr float64
	for _, v := range h3.CellToBoundary(c) {
		cr = max(cr, geo.DistanceM(ctr.Lat, ctr.Lng, v.Lat, v.Lng))
	}
	return cr
}

// metresPerDegLat is the length of one degree of latitude, a little short
// so that the quick test below never refuses a place within its radius.
const metresPerDegLat = 111_000.0

// match returns the places whose disc covers (lat, lng), and how many
// places it measured (the work done).
func (ix *placeIndex) match(lat, lng float64) (out []Match, measured int) {
	origin := h3.LatLngToCell(h3.NewLatLng(lat, lng), indexResolution)
	cr := circumradiusM(origin)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var rings [][]h3.Cell // the disk of the widest class in use, ring by ring
	for ci := len(ix.classes) - 1; ci >= 0; ci-- {
		m := ix.classes[ci]
		if len(m) == 0 {
			continue
		}
		k := ringsFor(cr, float64(radiusClasses[ci]))
		if rings == nil {
			rings = h3.GridDiskDistances(origin, k)
		}
		for _, ring := range rings[:min(k+1, len(rings))] {
			for _, c := range ring {
				for _, e := range m[c] {
					measured++
					if math.Abs(e.lat-lat)*metresPerDegLat > e.radiusM {
						continue // quick: too far north or south
					}
					if d := geo.DistanceM(lat, lng, e.lat, e.lng); d <= e.radiusM {
						out = append(out, Match{PlaceID: e.id, UserID: e.userID, DistanceM: d})
					}
				}
			}
		}
	}
	return out, measured
}

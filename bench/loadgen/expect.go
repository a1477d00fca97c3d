package loadgen

import "math"

// boundaryM is the tolerance at the edge of a watched circle: a position
// within boundaryM of the edge is neither expected nor counted as extra, so
// that rounding differences with the server do not count as errors.
const boundaryM = 1.0

// Circles is the expectation model: the watched circles, indexed on a grid
// so that the circles containing a point are found without scanning all of
// them. It is immutable after NewCircles and safe for concurrent use.
type Circles struct {
	centres []Point
	radiusM float64
	origin  Point      // south-west corner of the grid
	cellDeg [2]float64 // cell size in degrees (lat, lng)
	cells   map[[2]int][]int32
}

// NewCircles indexes one circle of radiusM metres around each centre; the
// circle's index is its position in centres.
func NewCircles(centres []Point, radiusM float64) *Circles {
	c := &Circles{centres: centres, radiusM: radiusM, cells: map[[2]int][]int32{}}
	if len(centres) == 0 {
		return c
	}
	c.origin = centres[0]
	for _, p := range centres {
		c.origin.Lat = math.Min(c.origin.Lat, p.Lat)
		c.origin.Lng = math.Min(c.origin.Lng, p.Lng)
	}
	size := math.Max(radiusM, 100)
	c.cellDeg[0] = size / metresPerDegLat
	c.cellDeg[1] = size / (metresPerDegLat * math.Cos(c.origin.Lat*math.Pi/180))
	for i, p := range centres {
		k := c.cellOf(p)
		c.cells[k] = append(c.cells[k], int32(i))
	}
	return c
}

func (c *Circles) cellOf(p Point) [2]int {
	return [2]int{
		int(math.Floor((p.Lat - c.origin.Lat) / c.cellDeg[0])),
		int(math.Floor((p.Lng - c.origin.Lng) / c.cellDeg[1])),
	}
}

// Len is the number of circles.
func (c *Circles) Len() int { return len(c.centres) }

// Centre returns the centre of circle i.
func (c *Circles) Centre(i int) Point { return c.centres[i] }

// Containing appends to dst the indexes of the circles that should receive
// an update at p: those whose centre is at most radius − 1 m away. The
// order is unspecified.
func (c *Circles) Containing(p Point, dst []int32) []int32 {
	if len(c.centres) == 0 {
		return dst
	}
	// A cell is at least radius wide, but longitude cells shrink towards
	// the poles relative to the origin row: search two cells around.
	k := c.cellOf(p)
	for dl := -2; dl <= 2; dl++ {
		for dg := -2; dg <= 2; dg++ {
			for _, i := range c.cells[[2]int{k[0] + dl, k[1] + dg}] {
				if DistanceM(c.centres[i], p) <= c.radiusM-boundaryM {
					dst = append(dst, i)
				}
			}
		}
	}
	return dst
}

// Outside reports whether p is clearly outside circle i (more than radius
// + 1 m from its centre): an event at p delivered to that watcher is extra.
func (c *Circles) Outside(i int, p Point) bool {
	return DistanceM(c.centres[i], p) > c.radiusM+boundaryM
}

package loadgen

import (
	"math"
	"math/rand/v2"
	"time"
)

// MaxStepM is the longest single move a Walker makes, whatever the elapsed
// time: a moving stall never jumps more than this between two updates.
const MaxStepM = 50.0

// speedMargin keeps every step at 90% of the speed limit so that rounding
// on the server never turns a legal step into "too_fast".
const speedMargin = 0.9

// Walker generates the positions of one moving stall: a random walk that
// keeps a heading, turns a little at each step, bounces off the edges of
// its Area and never moves faster than MaxSpeedKMH (with a 10% margin) or
// farther than MaxStepM in one step. A Walker is not safe for concurrent
// use.
type Walker struct {
	area     Area
	pos      Point
	heading  float64 // radians, 0 = north
	maxSpeed float64 // metres per second
	rng      *rand.Rand
}

// NewWalker starts a walk at start (clamped into area) with speed limit
// maxSpeedKMH, drawing its turns from rng.
func NewWalker(area Area, start Point, maxSpeedKMH float64, rng *rand.Rand) *Walker {
	start.Lat = math.Min(math.Max(start.Lat, area.MinLat), area.MaxLat)
	start.Lng = math.Min(math.Max(start.Lng, area.MinLng), area.MaxLng)
	return &Walker{area: area, pos: start, heading: rng.Float64() * 2 * math.Pi,
		maxSpeed: maxSpeedKMH * 1000 / 3600, rng: rng}
}

// Pos is the current position.
func (w *Walker) Pos() Point { return w.pos }

// StepLimitM is the longest step allowed after elapsed time dt:
// min(0.9 × max speed × dt, MaxStepM); zero for dt <= 0.
func (w *Walker) StepLimitM(dt time.Duration) float64 {
	if dt <= 0 {
		return 0
	}
	return math.Min(speedMargin*w.maxSpeed*dt.Seconds(), MaxStepM)
}

// Step moves the stall for elapsed time dt and returns the new position.
// The step length is StepLimitM(dt) scaled by a random factor in [0.5, 1];
// the new position is always inside the area.
func (w *Walker) Step(dt time.Duration) Point {
	limit := w.StepLimitM(dt)
	if limit == 0 {
		return w.pos
	}
	w.heading += (w.rng.Float64() - 0.5) * 0.6
	for try := 0; try < 8; try++ {
		d := limit * (0.5 + 0.5*w.rng.Float64())
		next := offset(w.pos, d*math.Cos(w.heading), d*math.Sin(w.heading))
		if w.area.Contains(next) && DistanceM(w.pos, next) <= limit {
			w.pos = next
			return next
		}
		w.heading = w.rng.Float64() * 2 * math.Pi // bounce: pick a new direction
	}
	return w.pos // cornered for now: stay put (a zero step is always legal)
}

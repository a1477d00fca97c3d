package realtime

import (
	"math"
	"time"
)

// lagWindow is the span of each of the two windows over which a
// connection's smallest location lag is kept (see lagFloor).
const lagWindow = 10 * time.Second

// noLag marks a window that holds no lag.
const noLag = time.Duration(math.MaxInt64)

// lagFloor tells the locations of one connection that waited too long on
// their way in: in the client's socket, the server's socket buffers or the
// hub's queues, past saturation. A location's lag is the server's clock
// when it reaches the hub minus the location's own "at". It holds the
// client's clock offset, unknown and maybe large (a phone a minute off),
// plus the time the position took to arrive. The smallest lag of the
// positions applied in the last 10 to 20 s is taken as the offset with no
// delay, so that a location's delay is its lag minus that floor, whatever
// the client's clock says. Only applied positions count: one the map
// refused (an "at" an hour ahead, say) must not move the floor.
//
// If the client's clock is set back while it sends (a phone correcting its
// time), every lag grows by that step and reads as delay until the windows
// holding the old floor have passed, at most 20 s: a step of more than the
// allowed delay is refused that long. A clock set forward only lowers the
// floor, at the first position applied.
type lagFloor struct {
	cur, prev time.Duration // smallest lag applied in the current and the previous window, or noLag
	since     time.Time     // start of the current window; zero before the first
}

// delay returns how much longer than the floor a location at, reaching the
// hub at now, took to arrive; 0 when no floor is known.
func (f *lagFloor) delay(now, at time.Time) time.Duration {
	f.turn(now)
	floor := min(f.cur, f.prev)
	if floor == noLag {
		return 0
	}
	return max(0, now.Sub(at)-floor)
}

// record takes the lag of a location at that reached the hub at now and
// was applied.
func (f *lagFloor) record(now, at time.Time) {
	f.turn(now)
	f.cur = min(f.cur, now.Sub(at))
}

// turn starts a new window when the current one is over; after two windows
// with nothing applied, no floor is known.
func (f *lagFloor) turn(now time.Time) {
	switch {
	case f.since.IsZero() || now.Sub(f.since) >= 2*lagWindow:
		f.cur, f.prev, f.since = noLag, noLag, now
	case now.Sub(f.since) >= lagWindow:
		f.prev, f.cur, f.since = f.cur, noLag, now
	}
}

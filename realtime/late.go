package realtime

import "time"

// lagWindow is the span of each of the two windows over which a
// connection's smallest location lag is kept (see lagFloor).
const lagWindow = 10 * time.Second

// lagFloor tells the locations of one connection that waited too long on
// their way in: in the client's socket, the server's socket buffers or the
// hub's queues, past saturation. A location's lag is the server's clock at
// the moment it is applied minus the location's own "at". It holds the
// client's clock offset, unknown and maybe large (a phone a minute off),
// plus the time the position took to arrive. The smallest lag of the last
// 10 to 20 s is taken as the offset with no delay, so that a location's
// delay is its lag minus that floor, whatever the client's clock says.
//
// If the client's clock is set back while it sends (a phone correcting its
// time), every lag grows by that step and reads as delay until the windows
// have passed, at most 20 s: a step of more than the allowed delay is
// refused that long. A clock set forward only lowers the floor at once.
type lagFloor struct {
	cur, prev time.Duration // smallest lag of the current and the previous window
	since     time.Time     // start of the current window
	set       bool
}

// delay records the lag of a location at applied on the server at now,
// and returns how much longer than the floor it waited.
func (f *lagFloor) delay(now, at time.Time) time.Duration {
	lag := now.Sub(at)
	switch {
	case !f.set:
		f.cur, f.prev, f.since, f.set = lag, lag, now, true
	case now.Sub(f.since) >= 2*lagWindow: // quiet for two windows: both gone
		f.cur, f.prev, f.since = lag, lag, now
	case now.Sub(f.since) >= lagWindow:
		f.prev, f.cur, f.since = f.cur, lag, now
	}
	f.cur = min(f.cur, lag)
	return lag - min(f.cur, f.prev)
}

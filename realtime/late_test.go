package realtime

import (
	"testing"
	"time"
)

// offer is what the handler does with one position under a bound of limit:
// it asks the floor for the delay, refuses a position later than limit, and
// records the lag of one it applied. It returns the delay.
func offer(f *lagFloor, now, at time.Time, limit time.Duration) time.Duration {
	d := f.delay(now, at)
	if d <= limit {
		f.record(now, at)
	}
	return d
}

// TestLagFloorIgnoresTheClientsClockOffset: a client whose clock is an hour
// off either way, sending positions that arrive at once, is never late; one
// of them held back 3 s is, by 3 s.
func TestLagFloorIgnoresTheClientsClockOffset(t *testing.T) {
	base := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	for _, offset := range []time.Duration{0, time.Hour, -time.Hour, 1234567 * time.Microsecond} {
		var f lagFloor
		for i := range 100 {
			now := base.Add(time.Duration(i) * 200 * time.Millisecond)
			at := now.Add(offset)                        // the client's clock
			net := time.Duration(i%7) * time.Millisecond // the way in
			if d := offer(&f, now.Add(net), at, time.Second); d > 10*time.Millisecond {
				t.Fatalf("offset %v, position %d: delay %v, want at most the network's jitter", offset, i, d)
			}
		}
		now := base.Add(100 * 200 * time.Millisecond)
		if d := offer(&f, now.Add(3*time.Second), now.Add(offset), time.Second); d < 3*time.Second || d > 3*time.Second+10*time.Millisecond {
			t.Fatalf("offset %v: a position held back 3 s has delay %v", offset, d)
		}
	}
}

// TestLagFloorForgetsWithinTwoWindows: a clock set back 5 s makes every
// position look 5 s late, and refused, until the windows holding the old
// floor have passed (at most two); then none is; one set forward is never
// late.
func TestLagFloorForgetsWithinTwoWindows(t *testing.T) {
	base := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	var f lagFloor
	step := 500 * time.Millisecond
	now := base
	for range 10 {
		offer(&f, now, now, time.Second)
		now = now.Add(step)
	}
	stepped := now // the clock goes back 5 s here
	lateUntil := time.Time{}
	for now.Before(stepped.Add(3 * lagWindow)) {
		if d := offer(&f, now, now.Add(-5*time.Second), time.Second); d > time.Second {
			lateUntil = now
		}
		now = now.Add(step)
	}
	if lateUntil.IsZero() {
		t.Fatal("a clock set back 5 s was never taken for delay; the test checks nothing")
	}
	if late := lateUntil.Sub(stepped); late > 2*lagWindow {
		t.Fatalf("positions read as late for %v after the clock step, want at most %v", late, 2*lagWindow)
	}
	for range 10 {
		if d := offer(&f, now, now.Add(time.Minute), time.Second); d > 0 {
			t.Fatalf("a clock set forward: delay %v, want 0", d)
		}
		now = now.Add(step)
	}
}

// TestLagFloorStartsAfreshAfterSilence: after two windows without a
// position, the next one sets the floor alone.
func TestLagFloorStartsAfreshAfterSilence(t *testing.T) {
	base := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	var f lagFloor
	offer(&f, base, base, time.Second)
	later := base.Add(2*lagWindow + time.Second)
	if d := offer(&f, later, later.Add(-4*time.Second), time.Second); d != 0 {
		t.Fatalf("first position after silence: delay %v, want 0", d)
	}
	if d := offer(&f, later.Add(time.Second), later.Add(time.Second-4*time.Second), time.Second); d != 0 {
		t.Fatalf("same lag again: delay %v, want 0", d)
	}
}

// TestLagFloorOnlyCountsAppliedPositions: delay alone, for a position that
// is then not applied (an "at" an hour ahead, which the map refuses), does
// not move the floor; record does.
func TestLagFloorOnlyCountsAppliedPositions(t *testing.T) {
	base := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	var f lagFloor
	offer(&f, base, base, time.Second)
	if d := f.delay(base.Add(time.Second), base.Add(time.Hour)); d != 0 {
		t.Fatalf("a position from the future: delay %v, want 0", d)
	}
	next := base.Add(2 * time.Second)
	if d := f.delay(next, next); d != 0 {
		t.Fatalf("after a position that was not applied: delay %v, want 0", d)
	}
	f.record(base.Add(time.Second), base.Add(time.Hour))
	if d := f.delay(next, next); d < time.Hour-time.Second {
		t.Fatalf("after a recorded lag of -1 h: delay %v, want about 1 h (record must count)", d)
	}
}

// TestLateLocationsRefused: on one owner connection, a position that took
// 3 s longer to arrive than the one before it is refused with
// rate_limited, counted, and not applied; the next timely one is applied.
// With no bound (a negative MaxLocationDelay) the late one is applied.
func TestLateLocationsRefused(t *testing.T) {
	loc := func(ref string, at time.Time) []byte {
		return []byte(`{"type":"location","ref":"` + ref + `","pocha_id":12,"lat":37.57,"lng":126.99,"at":"` + at.UTC().Format(time.RFC3339Nano) + `"}`)
	}
	t.Run("bounded", func(t *testing.T) {
		e := newEnv(t, Options{}, nil, memoryBrokerMaker(t))
		a := e.dial(t, "user=7&role=owner")
		a.sendRaw(1, loc("L1", time.Now()))
		waitFor(t, "the first location to be applied", func() bool { return e.in.locations.Load() == 1 })
		a.sendRaw(1, loc("L2", time.Now().Add(-3*time.Second)))
		if m := a.expect(TypeError); m["code"] != CodeRateLimited || m["ref"] != "L2" {
			t.Fatalf("got %v, want rate_limited for L2", m)
		}
		if got := counterNow(t, e.hub.metrics.locLate); got != 1 {
			t.Fatalf("illuwa_ws_locations_late_total = %v, want 1", got)
		}
		a.sendRaw(1, loc("L3", time.Now()))
		waitFor(t, "the timely location to be applied", func() bool { return e.in.locations.Load() == 2 })
		if got := counterNow(t, e.hub.metrics.locRefused); got != 0 {
			t.Fatalf("illuwa_ws_locations_refused_total = %v, want 0 (late is counted apart)", got)
		}
	})
	t.Run("refused positions do not count", func(t *testing.T) {
		e := newEnv(t, Options{}, nil, memoryBrokerMaker(t))
		a := e.dial(t, "user=7&role=owner")
		a.sendRaw(1, loc("L1", time.Now()))
		waitFor(t, "the first location to be applied", func() bool { return e.in.locations.Load() == 1 })
		e.in.setErr(codedErr{"stale_time", "the position's time is too far from the server's"})
		a.sendRaw(1, loc("L2", time.Now().Add(time.Hour)))
		if m := a.expect(TypeError); m["code"] != "stale_time" || m["ref"] != "L2" {
			t.Fatalf("got %v, want stale_time for L2", m)
		}
		e.in.setErr(nil)
		a.sendRaw(1, loc("L3", time.Now()))
		waitFor(t, "the timely location to be applied", func() bool { return e.in.locations.Load() == 3 })
		if got := counterNow(t, e.hub.metrics.locLate); got != 0 {
			t.Fatalf("illuwa_ws_locations_late_total = %v, want 0: a refused position moved the floor", got)
		}
	})
	t.Run("unbounded", func(t *testing.T) {
		e := newEnv(t, Options{MaxLocationDelay: -1}, nil, memoryBrokerMaker(t))
		a := e.dial(t, "user=7&role=owner")
		a.sendRaw(1, loc("L1", time.Now()))
		a.sendRaw(1, loc("L2", time.Now().Add(-3*time.Second)))
		waitFor(t, "both locations to be applied", func() bool { return e.in.locations.Load() == 2 })
		if got := counterNow(t, e.hub.metrics.locLate); got != 0 {
			t.Fatalf("illuwa_ws_locations_late_total = %v, want 0", got)
		}
	})
}

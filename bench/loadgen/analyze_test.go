package loadgen

import (
	"testing"
	"time"
)

func TestMoverLogFindWithinTolerance(t *testing.T) {
	var l moverLog
	base := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	for i := 0; i < 10; i++ {
		l.add(base.Add(time.Duration(i)*100*time.Millisecond+123456), Point{})
	}
	cases := []struct {
		at   time.Duration
		seq  int
		want bool
	}{
		{300*time.Millisecond + 123456, 3, true},
		{300 * time.Millisecond, 3, true}, // truncated to ms by a store
		{300*time.Millisecond + 123456 + 3*time.Millisecond, 0, false},
		{-time.Second, 0, false},
		{900*time.Millisecond + 123456, 9, true},
	}
	for _, c := range cases {
		seq, ok := l.find(base.Add(c.at))
		if ok != c.want || (ok && seq != c.seq) {
			t.Errorf("find(+%v) = %d %v, want %d %v", c.at, seq, ok, c.seq, c.want)
		}
	}
	if !l.reject(4, "too_fast") || l.reject(10, "x") || l.code[4] != "too_fast" {
		t.Error("reject did not mark exactly update 4")
	}
}

// TestAnalyze builds two movers and four watchers by hand: watcher 0 and
// 1 contain mover 0, watchers 2 and 3 contain mover 1.
func TestAnalyze(t *testing.T) {
	a := Point{37.55, 127.0}
	b := Point{37.60, 127.10}
	circles := NewCircles([]Point{a, offset(a, 300, 0), b, b}, 1000)
	base := time.Unix(1000, 0)
	ms := func(n int) int64 { return base.Add(time.Duration(n) * time.Millisecond).UnixNano() }
	logs := []*moverLog{{}, {}}
	for i := 0; i < 4; i++ {
		logs[0].add(time.Unix(0, ms(i*100)), a)
		logs[1].add(time.Unix(0, ms(i*100+50)), b)
	}
	logs[1].reject(2, "too_fast")
	d := func(m, seq, latencyMS int) delivery {
		return delivery{key: updateKey(m, seq), recv: logs[m].ats[seq] + int64(latencyMS)*int64(time.Millisecond)}
	}
	deliveries := [][]delivery{
		// watcher 0: every update of mover 0, one of them late, one twice.
		{d(0, 3, 1500), d(0, 0, 5), d(0, 1, 7), d(0, 2, 9), d(0, 1, 8)},
		// watcher 1: misses update 2; update 3 arrives after 2 s (lost); an extra from mover 1.
		{d(0, 0, 4), d(0, 1, 6), d(0, 3, 2500), d(1, 0, 3)},
		// watcher 2: mover 1, except the rejected update 2; update 3 outside the window.
		{d(1, 0, 2), d(1, 1, 2)},
		// watcher 3: misses update 0 of mover 1, but gets the newer update 1.
		{d(1, 1, 3)},
	}
	// Window: everything up to and including 260 ms plus mover 0's update 3 at 300 ms.
	st := analyze(logs, deliveries, circles, ms(0), ms(300))
	want := deliveryStats{
		Sent:       7,  // mover 0: 0..3; mover 1: 0..2 (its update 3 at 350 ms is outside)
		Rejected:   1,  // mover 1 update 2
		Expected:   12, // mover 0: 4 updates × watchers 0 and 1; mover 1: 2 accepted × watchers 2 and 3
		Received:   9,  // watcher 0: 4 (one of them late); watcher 1: 2; watcher 2: 2; watcher 3: 1
		Lost:       2,  // watcher 1: update 2 never came (nor anything newer within 2 s), update 3 came after 2 s
		Superseded: 1,  // watcher 3: update 0 never came, update 1 did
		Late:       1,  // watcher 0: update 3 after 1.5 s
		Delivered:  11, // unique in-window deliveries, the extra one included
		Extra:      1,  // mover 1 to watcher 1, 10 km away
		Duplicates: 1,  // watcher 0 got update 1 twice
	}
	if st.Sent != want.Sent || st.Rejected != want.Rejected || st.Expected != want.Expected ||
		st.Received != want.Received || st.Lost != want.Lost || st.Superseded != want.Superseded || st.Late != want.Late ||
		st.Delivered != want.Delivered || st.Extra != want.Extra || st.Duplicates != want.Duplicates {
		t.Errorf("analyze =\n %+v\nwant\n %+v", st, want)
	}
	if st.Latency.Count() != uint64(st.Delivered) || st.Latency.Max() != 2500*time.Millisecond {
		t.Errorf("latency count %d max %v", st.Latency.Count(), st.Latency.Max())
	}
}

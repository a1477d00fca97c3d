package loadgen

import (
	"sort"
	"time"
)

// Delivery deadlines of the expectation model.
const (
	lostAfter = 2 * time.Second // an expected event not received within this is lost
	lateAfter = 1 * time.Second // received, but later than this
)

// deliveryStats compares what watchers received with what they should have
// received, for the updates sent inside the measured window.
type deliveryStats struct {
	Sent       int64 // updates sent in the window
	Rejected   int64 // of those, refused by the server (error with their ref)
	Expected   int64 // (accepted update, watcher whose circle contains it) pairs
	Received   int64 // expected pairs that arrived within lostAfter
	Lost       int64 // expected pairs not received within lostAfter, nor a newer position of the stall
	Superseded int64 // expected pairs not received, but a newer position of the stall was, within lostAfter
	Late       int64 // expected pairs received after lateAfter (and within lostAfter)
	Delivered  int64 // pocha.moved received for updates of the window
	Extra      int64 // of those, to a watcher clearly outside whose circle the stall was
	Duplicates int64 // the same update delivered twice to one watcher
	Latency    Histogram
}

// analyze computes deliveryStats. logs are the movers' update logs,
// deliveries the received events per watcher (indexed like circles), and
// [start, end] the window in unix nanoseconds. It sorts each deliveries
// slice in place.
func analyze(logs []*moverLog, deliveries [][]delivery, circles *Circles, start, end int64) deliveryStats {
	var st deliveryStats
	inWindow := func(k uint64) (at int64, p Point, ok bool) {
		l := logs[k>>32]
		seq := int(uint32(k))
		at = l.ats[seq]
		return at, l.pos[seq], at >= start && at <= end
	}
	for w, ds := range deliveries {
		sort.Slice(ds, func(i, j int) bool { return ds[i].key < ds[j].key })
		for i, d := range ds {
			if i > 0 && ds[i-1].key == d.key {
				st.Duplicates++
				continue
			}
			at, p, ok := inWindow(d.key)
			if !ok {
				continue
			}
			st.Delivered++
			st.Latency.Record(time.Duration(d.recv - at))
			if circles.Outside(w, p) {
				st.Extra++
			}
		}
	}
	var expect []int32
	for m, l := range logs {
		for seq, at := range l.ats {
			if at < start || at > end {
				continue
			}
			st.Sent++
			if l.code[seq] != "" {
				st.Rejected++
				continue
			}
			key := updateKey(m, seq)
			expect = circles.Containing(l.pos[seq], expect[:0])
			for _, w := range expect {
				st.Expected++
				ds := deliveries[w]
				i := sort.Search(len(ds), func(i int) bool { return ds[i].key >= key })
				if i == len(ds) || ds[i].key != key {
					// ds[i], if any, is the next update this watcher got;
					// from the same mover in time, it replaced this one.
					if i < len(ds) && ds[i].key>>32 == key>>32 && ds[i].recv-at <= int64(lostAfter) {
						st.Superseded++
					} else {
						st.Lost++
					}
					continue
				}
				lat := time.Duration(ds[i].recv - at)
				switch {
				case lat > lostAfter:
					st.Lost++
				case lat > lateAfter:
					st.Late++
					st.Received++
				default:
					st.Received++
				}
			}
		}
	}
	return st
}

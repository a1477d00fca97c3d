package loadgen

import (
	"sort"
	"sync"
	"time"
)

// matchTolerance is how far the "at" of a delivered event may be from the
// "at" the mover sent and still match it (a server that stores times with
// millisecond precision truncates them). Updates of one stall are at least
// 50 ms apart, so a match is never ambiguous.
const matchTolerance = 2 * time.Millisecond

// moverLog is the list of updates one mover sent, in send order (so in
// increasing "at"). The sender appends; watchers look up concurrently.
type moverLog struct {
	mu   sync.Mutex
	ats  []int64 // unix nanoseconds, increasing
	pos  []Point
	code []string // rejection code by seq, "" when accepted (filled from errors)
}

// add records update seq = len before the call and returns seq.
func (l *moverLog) add(at time.Time, p Point) int {
	l.mu.Lock()
	seq := len(l.ats)
	l.ats = append(l.ats, at.UnixNano())
	l.pos = append(l.pos, p)
	l.code = append(l.code, "")
	l.mu.Unlock()
	return seq
}

// find returns the seq of the update whose "at" is nearest to at, within
// matchTolerance.
func (l *moverLog) find(at time.Time) (int, bool) {
	t := at.UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	i := sort.Search(len(l.ats), func(i int) bool { return l.ats[i] >= t })
	best, bestD := -1, int64(matchTolerance)+1
	for _, j := range []int{i - 1, i} {
		if j < 0 || j >= len(l.ats) {
			continue
		}
		d := l.ats[j] - t
		if d < 0 {
			d = -d
		}
		if d < bestD {
			best, bestD = j, d
		}
	}
	return best, best >= 0
}

// reject marks update seq as rejected with code.
func (l *moverLog) reject(seq int, code string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq < 0 || seq >= len(l.code) {
		return false
	}
	l.code[seq] = code
	return true
}

// delivery is one "pocha.moved" a watcher received for a known update.
type delivery struct {
	key  uint64 // mover<<32 | seq
	recv int64  // unix nanoseconds
}

func updateKey(mover, seq int) uint64 { return uint64(mover)<<32 | uint64(uint32(seq)) }

// counters is a set of named counts safe for concurrent use.
type counters struct {
	mu sync.Mutex
	m  map[string]int64
}

func (c *counters) add(name string, n int64) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]int64{}
	}
	c.m[name] += n
	c.mu.Unlock()
}

// snapshot copies the counts.
func (c *counters) snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

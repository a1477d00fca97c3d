package loadgen

import (
	"bytes"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// window is the measured interval in unix nanoseconds; end is 0 while the
// measurement runs.
type window struct {
	start atomic.Int64
	end   atomic.Int64
}

func (w *window) contains(t int64) bool {
	s, e := w.start.Load(), w.end.Load()
	return s != 0 && t >= s && (e == 0 || t <= e)
}

// watcher is one customer connection watching a circle. Its fields are
// written only by its reader goroutine and read after it ends.
type watcher struct {
	idx   int
	conn  *websocket.Conn
	ready chan struct{} // closed on the first snapshot

	deliveries     []delivery       // pocha.moved of known updates
	events         map[string]int64 // every pocha.* received, by type
	windowEvents   int64            // pocha.* received inside the window
	unmatched      int64            // pocha.moved of a mover whose "at" matched no update
	snapshotStalls int64            // stalls in the first snapshot
}

// read runs until the connection fails or is closed: it records every
// map event, resolving "pocha.moved" of movers to the update that caused
// it.
func (w *watcher) read(r *mapRun) {
	var buf []byte
	gotSnapshot := false
	w.events = map[string]int64{}
	for {
		var err error
		buf, err = readFrame(w.conn, buf)
		if err != nil {
			r.connEnded(err)
			return
		}
		now := time.Now()
		typ, _ := scanString(buf, "type")
		switch string(typ) {
		case "pocha.moved":
			w.countEvent("pocha.moved", now, r)
			id, ok1 := scanUint(buf, "id")
			at, ok2 := scanTime(buf, "at")
			if !ok1 || !ok2 {
				r.errs.add("malformed_event", 1)
				continue
			}
			m, ok := r.moverOf[id]
			if !ok {
				continue // a stall that does not move in this run
			}
			seq, ok := r.movers[m].log.find(at)
			if !ok {
				w.unmatched++
				continue
			}
			w.deliveries = append(w.deliveries, delivery{key: updateKey(m, seq), recv: now.UnixNano()})
		case "pocha.opened", "pocha.closed", "pocha.left":
			w.countEvent(string(typ), now, r)
		case "snapshot":
			if !gotSnapshot {
				gotSnapshot = true
				w.snapshotStalls = int64(countStalls(buf))
				close(w.ready)
			}
		case "error":
			code, _ := scanString(buf, "code")
			r.errs.add("watcher:"+string(code), 1)
		}
	}
}

func (w *watcher) countEvent(typ string, now time.Time, r *mapRun) {
	w.events[typ]++
	if r.win.contains(now.UnixNano()) {
		w.windowEvents++
	}
}

// countStalls counts the stalls in a snapshot message or a nearby answer:
// the members named "distance_m".
func countStalls(msg []byte) int { return countKey(msg, distanceKey) }

// distanceKey is the member countStalls counts, as it is written.
const distanceKey = `"distance_m":`

// countKey counts the occurrences of pat in msg. It jumps from one '_' of
// msg to the next (pat's first '_' being at a), where bytes.Count would
// start at pat's '"', which a JSON answer has every few bytes: bytes.Index
// then gives up on its byte search and compares at every offset, a quarter
// of the load tool's CPU under the nearby load. A pat without '_' is
// counted by bytes.Count.
func countKey(msg []byte, pat string) int {
	a := strings.IndexByte(pat, '_')
	if a < 0 {
		return bytes.Count(msg, []byte(pat))
	}
	n := 0
	for i := a; i < len(msg); {
		j := bytes.IndexByte(msg[i:], '_')
		if j < 0 {
			break
		}
		i += j
		if s := i - a; s+len(pat) <= len(msg) && string(msg[s:s+len(pat)]) == pat {
			n++
			i = s + len(pat) + a // matches do not overlap
			continue
		}
		i++
	}
	return n
}

package loadgen

import (
	"context"
	"time"

	"github.com/gorilla/websocket"
)

// writeTimeout bounds one location write.
const writeTimeout = 5 * time.Second

// mover is one moving stall with its own owner connection. Its sender
// state is used only by the goroutine of its group; log is shared with the
// watchers.
type mover struct {
	idx     int
	pochaID uint64
	conn    *websocket.Conn
	walker  *Walker
	lastAt  time.Time
	buf     []byte
	dead    bool
	log     moverLog
}

// send moves the stall and writes one location message for it.
func (m *mover) send(r *mapRun) {
	if m.dead {
		return
	}
	// Microseconds: a server storing times at that precision echoes the
	// exact value.
	now := time.Now().Truncate(time.Microsecond)
	if !now.After(m.lastAt) {
		return
	}
	p := m.walker.Step(now.Sub(m.lastAt))
	seq := m.log.add(now, p)
	m.buf = appendLocation(m.buf[:0], m.idx, seq, m.pochaID, p, now)
	_ = m.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := m.conn.WriteMessage(websocket.TextMessage, m.buf); err != nil {
		m.dead = true
		m.log.reject(seq, "write_failed")
		r.errs.add("mover_write", 1)
		return
	}
	m.lastAt = now
}

// read consumes the server's messages to this owner: errors about
// locations are traced to the update by their ref.
func (m *mover) read(r *mapRun) {
	var buf []byte
	for {
		var err error
		buf, err = readFrame(m.conn, buf)
		if err != nil {
			r.connEnded(err)
			return
		}
		typ, _ := scanString(buf, "type")
		if string(typ) != "error" {
			continue
		}
		code, _ := scanString(buf, "code")
		ref, _ := scanString(buf, "ref")
		if mi, seq, ok := parseRef(ref); ok && mi == m.idx && m.log.reject(seq, string(code)) {
			r.rejects.add(string(code), 1)
			continue
		}
		r.errs.add("owner:"+string(code), 1)
	}
}

// sendGroup paces one group of movers: every interval, one update per
// mover, until stop. The first tick comes after offset so that groups
// spread their writes over the interval.
func (r *mapRun) sendGroup(ctx context.Context, group []*mover, interval, offset time.Duration, stop time.Time) {
	t := time.NewTimer(offset)
	select {
	case <-ctx.Done():
		t.Stop()
		return
	case <-t.C:
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if !time.Now().Before(stop) {
			return
		}
		for _, m := range group {
			m.send(r)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

package realtime

import (
	"net"
	"testing"
	"time"
)

// deadlineConn records the write deadlines set on it.
type deadlineConn struct {
	net.Conn
	set []time.Time
}

func (d *deadlineConn) SetWriteDeadline(t time.Time) error {
	d.set = append(d.set, t)
	return nil
}

// Every write must leave at least WriteTimeout less a tenth of it before
// its deadline, and the deadline is set again only once that slack is used.
func TestWriteDeadlineKeptWithinATenth(t *testing.T) {
	const d = 200 * time.Millisecond
	c := &conn{hub: &Hub{opts: Options{WriteTimeout: d}}}
	nc := &deadlineConn{}
	check := func() {
		t.Helper()
		now := time.Now()
		if err := c.setWriteDeadline(nc); err != nil {
			t.Fatal(err)
		}
		if len(nc.set) == 0 {
			t.Fatal("no deadline set")
		}
		if left := nc.set[len(nc.set)-1].Sub(now); left < d-d/10 {
			t.Fatalf("a write has %v before its deadline, want at least %v", left, d-d/10)
		}
	}
	check()
	check()
	check()
	if len(nc.set) != 1 {
		t.Fatalf("deadline set %d times for three writes in a row, want 1", len(nc.set))
	}
	time.Sleep(d/10 + 5*time.Millisecond)
	check()
	if len(nc.set) != 2 {
		t.Fatalf("deadline set %d times, want 2 once a tenth of the timeout has passed", len(nc.set))
	}
}

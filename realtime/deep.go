package realtime

import (
	"runtime"
	"sync/atomic"
)

// deepWorkers run the deep work of the connections' readers (see
// conn.shallow): reading a message through gorilla, decoding it and
// applying it through the index and the broker. That work needs a stack of
// tens of kilobytes. A goroutine started for each message begins with the
// runtime's smallest stack and grows it by copying, again for every
// message: at 14,000 locations a second the copying (runtime.newstack,
// copystack) was 7% of the server's CPU. The hub's workers keep their grown
// stacks between messages instead, the way gRPC's stream workers do. A
// worker that finishes while enough others wait idle ends; idle workers end
// when the hub shuts down.
type deepWorkers struct {
	work    chan func()  // unbuffered: a send succeeds only into an idle worker
	idle    atomic.Int32 // workers waiting for work
	live    atomic.Int32 // workers in all
	maxIdle int32
	done    <-chan struct{}
}

func newDeepWorkers(done <-chan struct{}) *deepWorkers {
	return &deepWorkers{
		work:    make(chan func()),
		maxIdle: int32(max(64, 16*runtime.GOMAXPROCS(0))),
		done:    done,
	}
}

// run runs f on a worker and waits for it to return.
func (d *deepWorkers) run(f func()) {
	done := make(chan struct{})
	g := func() {
		defer close(done)
		f()
	}
	select {
	case d.work <- g:
	default:
		d.live.Add(1)
		go d.loop(g)
	}
	<-done
}

// loop runs g, then waits for more work, unless maxIdle workers already wait
// or the hub is shutting down.
func (d *deepWorkers) loop(g func()) {
	defer d.live.Add(-1)
	for {
		g()
		if d.idle.Add(1) > d.maxIdle {
			d.idle.Add(-1)
			return
		}
		select {
		case g = <-d.work:
			d.idle.Add(-1)
		case <-d.done:
			d.idle.Add(-1)
			return
		}
	}
}

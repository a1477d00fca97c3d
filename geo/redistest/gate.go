package redistest

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Gate is a go-redis hook, for tests, that holds every round trip carrying
// commands of one name (one command sent alone, or a pipeline with some)
// until the test lets it go, and records how many such commands each
// carried and how many were in flight at once. Other round trips pass.
type Gate struct {
	name string
	gate chan struct{}
	once sync.Once

	mu       sync.Mutex
	sizes    []int
	inFlight int
	most     int
}

// NewGate returns a closed gate for commands called name ("publish",
// "evalsha", ...).
func NewGate(name string) *Gate { return &Gate{name: name, gate: make(chan struct{})} }

// Let lets one held round trip go, waiting for one if none is held.
func (g *Gate) Let() { g.gate <- struct{}{} }

// Open lets every round trip go, those held and those to come. It may be
// called more than once (a test's cleanup calls it after a failure).
func (g *Gate) Open() { g.once.Do(func() { close(g.gate) }) }

// State returns the number of commands of each round trip held so far (in
// the order they reached the gate), the round trips in flight now, and the
// most that were in flight at once.
func (g *Gate) State() (sizes []int, inFlight, most int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]int(nil), g.sizes...), g.inFlight, g.most
}

// Commands returns how many commands of the gate's name have reached it,
// in all round trips so far.
func (g *Gate) Commands() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, s := range g.sizes {
		n += s
	}
	return n
}

func (g *Gate) DialHook(next redis.DialHook) redis.DialHook { return next }

func (g *Gate) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() != g.name {
			return next(ctx, cmd)
		}
		defer g.hold(1)()
		return next(ctx, cmd)
	}
}

func (g *Gate) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		n := 0
		for _, c := range cmds {
			if c.Name() == g.name {
				n++
			}
		}
		if n == 0 {
			return next(ctx, cmds)
		}
		defer g.hold(n)()
		return next(ctx, cmds)
	}
}

// hold records a round trip of n commands and waits at the gate; the
// returned func ends the round trip.
func (g *Gate) hold(n int) (done func()) {
	g.mu.Lock()
	g.sizes = append(g.sizes, n)
	g.inFlight++
	g.most = max(g.most, g.inFlight)
	g.mu.Unlock()
	<-g.gate
	return func() {
		g.mu.Lock()
		g.inFlight--
		g.mu.Unlock()
	}
}

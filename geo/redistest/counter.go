package redistest

import (
	"context"
	"maps"
	"sync"

	"github.com/redis/go-redis/v9"
)

// CommandCounter is a go-redis hook, for tests, that counts what a client
// sends: the commands, by name, and the round trips (one per command sent alone, one
// per pipeline; a cluster client's pipeline goes to its masters in
// parallel, and counts once). The set-up of a new connection (HELLO,
// CLIENT SETINFO, ...) is not counted: it is not the work of a call.
type CommandCounter struct {
	mu     sync.Mutex
	byName map[string]int64
	cmds   int64
	trips  int64
}

func NewCommandCounter() *CommandCounter { return &CommandCounter{byName: map[string]int64{}} }

func (c *CommandCounter) count(cmds ...redis.Cmder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, cmd := range cmds {
		switch name := cmd.Name(); name {
		case "hello", "client", "auth", "select":
		default:
			n++
			c.byName[name]++
		}
	}
	if n > 0 {
		c.cmds += int64(n)
		c.trips++
	}
}

// Totals returns the commands, the round trips and the commands by name
// counted so far.
func (c *CommandCounter) Totals() (cmds, trips int64, byName map[string]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cmds, c.trips, maps.Clone(c.byName)
}

func (c *CommandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *CommandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.count(cmd)
		return next(ctx, cmd)
	}
}

func (c *CommandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.count(cmds...)
		return next(ctx, cmds)
	}
}

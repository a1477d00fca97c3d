package realtime

import (
	"strconv"
	"strings"
	"time"
)

// Lag probes. On Redis a slow receiver leaves the messages in Redis's
// output buffer for its connection (RedisBroker), where nothing of this
// instance counts them: accepted updates would reach the watchers later
// and later, seconds behind, and be neither refused nor dropped. So the
// broker sends a PING with the time on every subscription connection each
// redisLagEvery: Redis answers it in order with the messages of that
// connection, so its PONG comes back behind whatever waits there. The lag
// of a connection is how long ago its newest answered probe was sent,
// less redisLagEvery (a probe answered at once then reads 0 until the
// next is due); the broker's is the worst of its connections'.
const (
	redisLagEvery = 50 * time.Millisecond
	redisLagPfx   = "illuwa-lag-" // ping payloads of the probes: the prefix, then Unix nanoseconds
)

var _ LagReporter = (*RedisBroker)(nil)

// Lag implements LagReporter: the worst lag of the subscription
// connections at the last probe (at most redisLagEvery ago).
func (b *RedisBroker) Lag() time.Duration { return time.Duration(b.lagNs.Load()) }

// probeLag sends the probes and updates Lag until the broker closes.
func (b *RedisBroker) probeLag() {
	defer close(b.probeDone)
	t := time.NewTicker(redisLagEvery)
	defer t.Stop()
	var conns []*psConn
	for {
		select {
		case <-b.ctx.Done():
			return
		case now := <-t.C:
			b.connsMu.Lock()
			conns = append(conns[:0], b.conns...)
			b.connsMu.Unlock()
			var worst time.Duration
			for _, c := range conns {
				if c == nil {
					continue
				}
				worst = max(worst, c.lagAt(now))
				_ = c.pubsub().Ping(b.ctx, redisLagPfx+strconv.FormatInt(now.UnixNano(), 10))
			}
			b.lagNs.Store(int64(worst))
		}
	}
}

// lagAt is the connection's lag at now; 0 until a probe is answered, and
// while the connection is being replaced (a broken broker is not a slow
// one: publishes fail instead).
func (c *psConn) lagAt(now time.Time) time.Duration {
	sent := c.lagAnswered.Load()
	if sent == 0 {
		return 0
	}
	return max(now.Sub(time.Unix(0, sent))-redisLagEvery, 0)
}

// lagPong records an answered probe; false when payload is not one.
func (c *psConn) lagPong(payload string) bool {
	rest, ok := strings.CutPrefix(payload, redisLagPfx)
	if !ok {
		return false
	}
	if ns, err := strconv.ParseInt(rest, 10, 64); err == nil && ns > c.lagAnswered.Load() {
		c.lagAnswered.Store(ns) // only the receive loop stores
	}
	return true
}

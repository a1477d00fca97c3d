package limit

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Shared keeps limiters' buckets in Redis, so that every instance spends
// one budget: with N instances behind a balancer a client still gets the
// budget once, not N times. Each bucket is one key (a GCRA "theoretical
// arrival time", in milliseconds of the Redis server's clock, so the
// instances' clocks need not agree), changed by one script call: it works
// on a Redis Cluster too, where a script may touch only keys of one slot.
//
// When Redis does not answer (an error, or no answer within Timeout) the
// limiter falls back to its per-instance buckets for that attempt, and for
// the next FallbackFor, counted in illuwa_limit_fallbacks_total{limiter}:
// while Redis is down the budget is per instance again (N times as much),
// never nobody and never unlimited.
type Shared struct {
	client      redis.UniversalClient
	prefix      string
	timeout     time.Duration
	fallbackFor time.Duration
	fallbacks   *prometheus.CounterVec

	mu        sync.Mutex
	downUntil time.Time
}

// SharedOptions tune a Shared; zero fields take the defaults.
type SharedOptions struct {
	Prefix      string        // before every key, e.g. "illuwa:limit:"
	Timeout     time.Duration // for one call; default 300 ms
	FallbackFor time.Duration // how long a failure sends attempts to the local buckets; default 2 s
	Registerer  prometheus.Registerer
}

// NewShared keeps buckets in the Redis (or Redis Cluster) of client.
func NewShared(client redis.UniversalClient, o SharedOptions) *Shared {
	if o.Timeout <= 0 {
		o.Timeout = 300 * time.Millisecond
	}
	if o.FallbackFor <= 0 {
		o.FallbackFor = 2 * time.Second
	}
	s := &Shared{client: client, prefix: o.Prefix, timeout: o.Timeout, fallbackFor: o.FallbackFor,
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "illuwa_limit_fallbacks_total",
			Help: "Attempts a shared (Redis) limiter counted in its per-instance buckets because Redis did not answer."},
			[]string{"limiter"})}
	if o.Registerer != nil {
		o.Registerer.MustRegister(s.fallbacks)
	}
	return s
}

// Fallbacks is the fallback counter of one limiter, for tests and metrics.
func (s *Shared) Fallbacks(name string) prometheus.Counter { return s.fallbacks.WithLabelValues(name) }

// gcra takes cost tokens (1) from the bucket KEYS[1] or gives them back
// (-1). ARGV: the emission interval in ms (one token comes back every
// interval), the burst. It answers {1, 0} when taken (or given back), and
// {0, ms to wait} when the bucket is empty. A bucket that is full again is
// deleted; every key expires when it would be full anyway.
var gcra = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + cost * interval
if cost > 0 and new_tat - now > burst * interval then
  return {0, new_tat - burst * interval - now}
end
if new_tat <= now then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now)
end
return {1, 0}
`)

func (s *Shared) down(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return now.Before(s.downUntil)
}

func (s *Shared) failed(now time.Time) {
	s.mu.Lock()
	s.downUntil = now.Add(s.fallbackFor)
	s.mu.Unlock()
}

// run calls the script on one bucket.
func (s *Shared) run(key string, every time.Duration, burst, cost int) (ok bool, wait time.Duration, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	res, err := gcra.Run(ctx, s.client, []string{s.prefix + key},
		strconv.FormatInt(max(1, every.Milliseconds()), 10), strconv.Itoa(burst), strconv.Itoa(cost)).Int64Slice()
	if err != nil {
		return false, 0, err
	}
	if len(res) != 2 {
		return false, 0, redis.Nil
	}
	return res[0] == 1, time.Duration(res[1]) * time.Millisecond, nil
}

// Share makes l keep its buckets in s under the name (which goes into every
// key and the fallback metric's label), and returns l. Call it before use.
func (l *Attempts) Share(s *Shared, name string) *Attempts {
	if s != nil {
		l.shared, l.name = s, name
		s.fallbacks.WithLabelValues(name)
	}
	return l
}

// takeShared takes one token of each key's bucket in Redis, one bucket
// after the other (a cluster keeps them on different nodes); when one is
// empty, the ones already taken are given back. ok is false with err set
// when Redis did not answer: the caller falls back.
func (l *Attempts) takeShared(keys []string) (*Attempt, bool, time.Duration, error) {
	a := &Attempt{l: l}
	for _, k := range keys {
		k = l.name + ":" + k
		ok, wait, err := l.shared.run(k, l.every, l.burst, 1)
		if err != nil || !ok {
			a.refundShared()
			if err != nil {
				return nil, false, 0, err
			}
			return nil, false, max(wait, time.Second), nil
		}
		a.keys = append(a.keys, k)
	}
	return a, true, 0, nil
}

// refundShared gives back the tokens taken in Redis, as well as it can: a
// token Redis takes back no more is lost to the client (it counts as a failure).
func (a *Attempt) refundShared() {
	for _, k := range a.keys {
		if _, _, err := a.l.shared.run(k, a.l.every, a.l.burst, -1); err != nil {
			a.l.shared.failed(time.Now())
			return
		}
	}
	a.keys = nil
}

package livemap

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyedLimiter is a token bucket per key (a stall id), forgetting keys idle
// for ten minutes.
type keyedLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[uint64]*rate.Limiter
	seen    map[uint64]time.Time
	swept   time.Time
}

func newKeyedLimiter(perSecond float64, burst int) *keyedLimiter {
	return &keyedLimiter{every: rate.Limit(perSecond), burst: burst, buckets: map[uint64]*rate.Limiter{}, seen: map[uint64]time.Time{}}
}

// allow takes a token for key, reporting whether one was there.
func (l *keyedLimiter) allow(key uint64, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, t := range l.seen {
			if now.Sub(t) > 10*time.Minute {
				delete(l.seen, k)
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = rate.NewLimiter(l.every, l.burst)
		l.buckets[key] = b
	}
	l.seen[key] = now
	return b.AllowN(now, 1)
}

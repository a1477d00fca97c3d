// Package limit holds the attempt limiter of the guesses a client may make
// (logins, current passwords, pairing codes): token buckets per key, taken
// before the work, given back on success.
package limit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Attempts limits attempts per key (a client address, a login id) with
// token buckets. An attempt takes a token from every key's bucket before any
// work is done (so parallel attempts cannot all slip past the limit); a
// successful login gives its tokens back, so only failures count. Buckets idle
// for an hour are forgotten. By itself it is per instance (with N instances
// behind a balancer an attacker gets at most N times the budget); Share
// keeps the buckets in Redis, one budget for every instance.
type Attempts struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	buckets map[string]*attemptBucket
	swept   time.Time

	shared *Shared // nil: per instance
	name   string  // the limiter's name in shared keys and metrics
}

type attemptBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New returns a limiter allowing burst attempts per key, one more every every.
func New(burst int, every time.Duration) *Attempts {
	return &Attempts{every: every, burst: burst, buckets: map[string]*attemptBucket{}}
}

// Attempt is a taken set of tokens; Refund gives them back.
type Attempt struct {
	l    *Attempts
	res  []*rate.Reservation
	keys []string // the buckets taken in Redis
}

// Take takes one token from each key's bucket. When any bucket is empty
// nothing is taken, and it reports how long to wait. A shared limiter whose
// Redis does not answer takes from the per-instance buckets instead.
func (l *Attempts) Take(now time.Time, keys ...string) (*Attempt, bool, time.Duration) {
	if l.shared != nil {
		if !l.shared.down(time.Now()) {
			a, ok, wait, err := l.takeShared(keys)
			if err == nil {
				return a, ok, wait
			}
			l.shared.failed(time.Now())
		}
		l.shared.fallbacks.WithLabelValues(l.name).Inc()
	}
	return l.takeLocal(now, keys)
}

func (l *Attempts) takeLocal(now time.Time, keys []string) (*Attempt, bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > time.Hour {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	a := &Attempt{l: l}
	for _, k := range keys {
		b, ok := l.buckets[k]
		if !ok {
			b = &attemptBucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
			l.buckets[k] = b
		}
		b.seen = now
		r := b.lim.ReserveN(now, 1)
		if wait := r.DelayFrom(now); !r.OK() || wait > 0 {
			r.CancelAt(now)
			for _, done := range a.res {
				done.CancelAt(now)
			}
			return nil, false, max(wait, time.Second)
		}
		a.res = append(a.res, r)
	}
	return a, true, 0
}

// Refund gives the attempt's tokens back (the login succeeded, or it failed
// on our side).
func (a *Attempt) Refund(now time.Time) {
	if len(a.keys) > 0 {
		a.refundShared()
		return
	}
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	for _, r := range a.res {
		r.CancelAt(now)
	}
}

package handlers

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// loginLimiter counts failed logins per key (a client address, a login id)
// with token buckets: each failure takes a token; with none left, logins for
// that key are refused until the bucket refills. Buckets idle for an hour are
// forgotten. It is per instance; see docs for the scale-out note.
type loginLimiter struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	buckets map[string]*loginBucket
	swept   time.Time
}

type loginBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLoginLimiter(burst int, every time.Duration) *loginLimiter {
	return &loginLimiter{every: every, burst: burst, buckets: map[string]*loginBucket{}}
}

// blocked reports whether any key is out of tokens, and when to retry.
func (l *loginLimiter) blocked(now time.Time, keys ...string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if b, ok := l.buckets[k]; ok && b.lim.TokensAt(now) < 1 {
			return true, l.every
		}
	}
	return false, 0
}

// failed takes one token from each key's bucket.
func (l *loginLimiter) failed(now time.Time, keys ...string) {
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
	for _, k := range keys {
		b, ok := l.buckets[k]
		if !ok {
			b = &loginBucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
			l.buckets[k] = b
		}
		b.seen = now
		b.lim.AllowN(now, 1)
	}
}

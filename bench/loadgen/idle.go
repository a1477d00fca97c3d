package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// idleSamples is the least number of seconds over which the server is
// sampled, before and after connecting.
const idleSamples = 3

// runIdle opens cfg.IdleConns anonymous connections that (optionally) watch
// and then stay idle, and reports the server memory they cost.
func runIdle(ctx context.Context, cfg *Config, logw io.Writer) (*Result, error) {
	api := newAPIClient(cfg.URL, 4)
	dialer, err := newWSDialer(cfg.URL, cfg.Dialers, SourceAddrs(cfg.SourceAddrs))
	if err != nil {
		return nil, err
	}
	res := &Result{Mode: ModeIdle, URL: cfg.URL, Started: time.Now().UTC()}
	fmt.Fprintf(logw, "sampling the server for %s before connecting\n", max(cfg.Warmup, idleSamples*time.Second))
	before, err := minSample(ctx, api, cfg.metricsURL(), max(cfg.Warmup, idleSamples*time.Second))
	if err != nil {
		return nil, err
	}
	var (
		mu      sync.Mutex
		conns   = make([]*websocket.Conn, cfg.IdleConns)
		wg      sync.WaitGroup
		closing atomic.Bool
		discs   counters
		errs    counters
	)
	defer func() {
		closing.Store(true)
		mu.Lock()
		var all []*websocket.Conn
		for _, c := range conns {
			if c != nil {
				all = append(all, c)
			}
		}
		mu.Unlock()
		closeAllConns(all)
		wg.Wait()
	}()
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x1d1e))
	centres := make([]Point, cfg.IdleConns)
	for i := range centres {
		centres[i] = cfg.Area.Random(rng)
	}
	// open dials connection i, watches, and waits for the snapshot; done
	// closes when the connection ends. err names what failed (counted).
	open := func(ctx context.Context, i int) (done chan struct{}, what string, err error) {
		c, err := dialer.dial(ctx, "")
		if err != nil {
			return nil, "dial", err
		}
		mu.Lock()
		if closing.Load() {
			mu.Unlock()
			_ = c.Close()
			return nil, "closing", errors.New("loadgen: idle: closing")
		}
		conns[i] = c
		mu.Unlock()
		ready, done := make(chan struct{}), make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done)
			idleRead(c, ready, &closing, &discs)
			_ = c.Close() // a dropped connection must free its descriptor before it is reopened
		}()
		if cfg.IdleWatch {
			_ = c.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := c.WriteJSON(map[string]any{"type": "watch", "lat": centres[i].Lat, "lng": centres[i].Lng, "radius_m": cfg.RadiusM}); err != nil {
				_ = c.Close()
				return nil, "watch", err
			}
			if err := waitReady(ctx, ready); err != nil {
				_ = c.Close()
				return nil, "no_snapshot", err
			}
		}
		return done, "", nil
	}
	holdCtx, endHold := context.WithCancel(ctx)
	defer endHold()
	var re reconnects
	t0 := time.Now()
	var connected atomic.Int64
	err = forEach(ctx, cfg.IdleConns, cfg.Dialers, func(ctx context.Context, i int) error {
		done, what, err := open(ctx, i)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs.add(what, 1)
			return nil // counted; the run measures what connected
		}
		if cfg.IdleHold > 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				re.keep(holdCtx, i, done, open, &closing)
			}()
		}
		if n := connected.Add(1); n%2000 == 0 {
			fmt.Fprintf(logw, "  %d/%d connected\n", n, cfg.IdleConns)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loadgen: idle: %w", err)
	}
	connectSecs := time.Since(t0).Seconds()
	fmt.Fprintf(logw, "%d idle connections in %.1f s; sampling the server for %s\n", connected.Load(), connectSecs, cfg.Warmup)
	// heap_inuse counts garbage until the next collection: sampling every
	// second over the settle time (past the runtime's forced collection
	// every two minutes, when it is that long) and keeping the smallest
	// sample comes closest to the live memory.
	after, err := minSample(ctx, api, cfg.metricsURL(), max(cfg.Warmup, idleSamples*time.Second))
	if err != nil {
		return nil, err
	}
	n := float64(connected.Load())
	ir := &IdleResult{Conns: cfg.IdleConns, Connected: int(n), Watching: cfg.IdleWatch, ConnectSeconds: connectSecs,
		Before: before, After: after, Disconnects: discs.snapshot(), Errors: errs.snapshot()}
	if n > 0 {
		ir.BytesPerConn = (after.HeapInuseBytes + after.StackInuseBytes - before.HeapInuseBytes - before.StackInuseBytes) / n
		ir.RSSPerConn = (after.RSSBytes - before.RSSBytes) / n
		ir.GoroutinesPerConn = (after.Goroutines - before.Goroutines) / n
	}
	if cfg.IdleHold > 0 {
		fmt.Fprintf(logw, "holding the connections for %s; dropped ones reconnect and watch again\n", cfg.IdleHold)
		end := time.Now().Add(cfg.IdleHold)
		for time.Now().Before(end) {
			next := time.Now().Add(5 * time.Second)
			if next.After(end) {
				next = end
			}
			if !sleepUntil(ctx, next) {
				break
			}
			r := re.result()
			fmt.Fprintf(logw, "  dropped %d, back %d\n", r.Dropped, r.Resubscribed)
		}
		endHold()
		r := re.result()
		ir.Reconnect = &r
	}
	res.Idle = ir
	return res, nil
}

// reconnects records connections that dropped during the hold and came
// back (dialled again, watching, snapshot received).
type reconnects struct {
	mu        sync.Mutex
	dropped   int64
	back      int64
	firstDrop time.Time
	lastBack  time.Time
	down      Histogram // drop → snapshot of the new connection, per connection
}

// keep waits for connection i to end (done) and opens it again, retrying
// until it is back or ctx ends, as often as it drops.
func (r *reconnects) keep(ctx context.Context, i int, done chan struct{},
	open func(context.Context, int) (chan struct{}, string, error), closing *atomic.Bool) {
	for {
		select {
		case <-done:
		case <-ctx.Done():
			return
		}
		if closing.Load() || ctx.Err() != nil {
			return
		}
		dropAt := time.Now()
		r.mu.Lock()
		r.dropped++
		if r.firstDrop.IsZero() {
			r.firstDrop = dropAt
		}
		r.mu.Unlock()
		for {
			var err error
			done, _, err = open(ctx, i)
			if err == nil {
				break
			}
			if !sleepUntil(ctx, time.Now().Add(200*time.Millisecond)) {
				return
			}
		}
		now := time.Now()
		r.mu.Lock()
		r.back++
		r.lastBack = now
		r.down.Record(now.Sub(dropAt))
		r.mu.Unlock()
	}
}

func (r *reconnects) result() ReconnectResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := ReconnectResult{Dropped: r.dropped, Resubscribed: r.back, Downtime: summarize(&r.down)}
	if !r.firstDrop.IsZero() && r.lastBack.After(r.firstDrop) {
		out.FirstDropToLastBackSeconds = r.lastBack.Sub(r.firstDrop).Seconds()
	}
	return out
}

// idleRead reads and drops every message (answering pings) until the
// connection ends; the first snapshot closes ready.
func idleRead(c *websocket.Conn, ready chan struct{}, closing *atomic.Bool, discs *counters) {
	var buf []byte
	got := false
	for {
		var err error
		buf, err = readFrame(c, buf)
		if err != nil {
			if !closing.Load() {
				discs.add(closeCodeOf(err), 1)
			}
			return
		}
		if !got {
			if typ, _ := scanString(buf, "type"); string(typ) == "snapshot" {
				got = true
				close(ready)
			}
		}
	}
}

// minSample scrapes /metrics once a second for d and keeps the sample with
// the least heap+stack in use.
func minSample(ctx context.Context, api *apiClient, url string, d time.Duration) (ServerSample, error) {
	var best ServerSample
	end := time.Now().Add(d)
	for i := 0; ; i++ {
		m, err := ScrapeMetrics(ctx, api.http, url)
		if err != nil {
			return best, err
		}
		s := sampleOf(m)
		if i == 0 || s.HeapInuseBytes+s.StackInuseBytes < best.HeapInuseBytes+best.StackInuseBytes {
			best = s
		}
		next := time.Now().Add(time.Second)
		if next.After(end) {
			return best, nil
		}
		if !sleepUntil(ctx, next) {
			return best, fmt.Errorf("loadgen: sample: %w", ctx.Err())
		}
	}
}

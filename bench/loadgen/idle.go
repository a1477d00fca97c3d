package loadgen

import (
	"context"
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
	before, err := minSample(ctx, api, cfg.URL, max(cfg.Warmup, idleSamples*time.Second))
	if err != nil {
		return nil, err
	}
	var (
		mu      sync.Mutex
		conns   []*websocket.Conn
		wg      sync.WaitGroup
		closing atomic.Bool
		discs   counters
		errs    counters
	)
	defer func() {
		closing.Store(true)
		mu.Lock()
		all := conns
		mu.Unlock()
		closeAllConns(all)
		wg.Wait()
	}()
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x1d1e))
	centres := make([]Point, cfg.IdleConns)
	for i := range centres {
		centres[i] = cfg.Area.Random(rng)
	}
	t0 := time.Now()
	var connected atomic.Int64
	err = forEach(ctx, cfg.IdleConns, cfg.Dialers, func(ctx context.Context, i int) error {
		c, err := dialer.dial(ctx, "")
		if err != nil {
			errs.add("dial", 1)
			return nil // counted; the run measures what connected
		}
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		ready := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			idleRead(c, ready, &closing, &discs)
		}()
		if cfg.IdleWatch {
			_ = c.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := c.WriteJSON(map[string]any{"type": "watch", "lat": centres[i].Lat, "lng": centres[i].Lng, "radius_m": cfg.RadiusM}); err != nil {
				errs.add("watch", 1)
				return nil
			}
			if err := waitReady(ctx, ready); err != nil {
				if ctx.Err() != nil {
					return err
				}
				errs.add("no_snapshot", 1)
				return nil
			}
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
	after, err := minSample(ctx, api, cfg.URL, max(cfg.Warmup, idleSamples*time.Second))
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
	res.Idle = ir
	return res, nil
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

package loadgen

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/illuwa/illuwa/bench/cputime"
)

// groupSize is the number of movers paced by one sender goroutine.
const groupSize = 25

// readyTimeout bounds the wait for a watcher's first snapshot.
const readyTimeout = 30 * time.Second

// mapRun is the state of one map run shared by its goroutines.
type mapRun struct {
	cfg      *Config
	movers   []*mover
	moverOf  map[uint64]int // stall id → mover index; read-only once watchers start
	watchers []*watcher
	circles  *Circles
	win      window
	closing  atomic.Bool
	rejects  counters // location errors traced to an update, by code
	errs     counters // other errors, by kind
	discs    counters // connections that ended during the run, by close code
	wg       sync.WaitGroup
	stopOnce sync.Once
}

// connEnded records a connection that ended, unless the run is closing.
func (r *mapRun) connEnded(err error) {
	if !r.closing.Load() {
		r.discs.add(closeCodeOf(err), 1)
	}
}

// shutdown closes every connection and waits for the readers; calls
// after the first do nothing.
func (r *mapRun) shutdown() { r.stopOnce.Do(r.closeAll) }

func (r *mapRun) closeAll() {
	r.closing.Store(true)
	var conns []*websocket.Conn
	for _, m := range r.movers {
		if m != nil && m.conn != nil {
			conns = append(conns, m.conn)
		}
	}
	for _, w := range r.watchers {
		if w != nil && w.conn != nil {
			conns = append(conns, w.conn)
		}
	}
	closeAllConns(conns)
	r.wg.Wait()
}

func (r *mapRun) goRead(fn func()) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		fn()
	}()
}

// runMap drives movers and watchers and measures deliveries.
func runMap(ctx context.Context, cfg *Config, logw io.Writer) (*Result, error) {
	api := newAPIClient(cfg.URL, cfg.Dialers)
	fl, err := prepareFleet(ctx, cfg, api, logw)
	if err != nil {
		return nil, err
	}
	if cfg.SetupOnly {
		return nil, nil
	}
	dialer, err := newWSDialer(cfg.URL, cfg.Dialers, SourceAddrs(cfg.SourceAddrs))
	if err != nil {
		return nil, err
	}
	res := &Result{Mode: ModeMap, URL: cfg.URL, Started: time.Now().UTC()}
	r := &mapRun{cfg: cfg, moverOf: make(map[uint64]int, cfg.Movers),
		movers: make([]*mover, cfg.Movers), watchers: make([]*watcher, cfg.Watchers)}
	for i := range r.movers {
		st := fl.state.Stalls[i]
		r.movers[i] = &mover{idx: i, pochaID: st.ID, lastAt: fl.openedAt[i],
			walker: NewWalker(cfg.Area, st.Point, cfg.MaxSpeedKMH, rand.New(rand.NewPCG(cfg.Seed, uint64(i))))}
		r.moverOf[st.ID] = i
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xa7c4e5))
	centres := make([]Point, cfg.Watchers)
	for i := range centres {
		centres[i] = cfg.Area.Random(rng)
	}
	r.circles = NewCircles(centres, cfg.RadiusM)
	defer r.shutdown()

	before, _ := scrapeLogged(ctx, api.http, cfg.metricsURL(), logw)
	t0 := time.Now()
	err = forEach(ctx, cfg.Watchers, cfg.Dialers, func(ctx context.Context, i int) error {
		c, err := dialer.dial(ctx, "")
		if err != nil {
			return err
		}
		w := &watcher{idx: i, conn: c, ready: make(chan struct{})}
		r.watchers[i] = w
		r.goRead(func() { w.read(r) })
		msg := map[string]any{"type": "watch", "ref": fmt.Sprintf("w%d", i), "lat": centres[i].Lat, "lng": centres[i].Lng, "radius_m": cfg.RadiusM}
		_ = c.SetWriteDeadline(time.Now().Add(writeTimeout))
		if err := c.WriteJSON(msg); err != nil {
			return fmt.Errorf("loadgen: watch: %w", err)
		}
		return waitReady(ctx, w.ready)
	})
	if err != nil {
		return nil, fmt.Errorf("loadgen: watchers: %w", err)
	}
	fmt.Fprintf(logw, "%d watchers watching in %s\n", cfg.Watchers, time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	err = forEach(ctx, cfg.Movers, cfg.Dialers, func(ctx context.Context, i int) error {
		m := r.movers[i]
		c, err := dialer.dial(ctx, fl.tokens[fl.state.Stalls[i].Owner])
		if err != nil {
			return err
		}
		m.conn = c
		r.goRead(func() { m.read(r) })
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loadgen: movers: %w", err)
	}
	fmt.Fprintf(logw, "%d movers connected in %s; sending %.0f updates/s for %s + %s warm-up\n",
		cfg.Movers, time.Since(t0).Round(time.Millisecond), cfg.Rate, cfg.Duration, cfg.Warmup)

	var m0 Metrics
	if cfg.Warmup == 0 {
		m0, _ = scrapeLogged(ctx, api.http, cfg.metricsURL(), logw)
	}
	start := time.Now()
	winStart := start.Add(cfg.Warmup)
	stop := winStart.Add(cfg.Duration)
	var senders sync.WaitGroup
	if cfg.Movers > 0 {
		interval := time.Duration(float64(time.Second) * float64(cfg.Movers) / cfg.Rate)
		groups := (cfg.Movers + groupSize - 1) / groupSize
		for g := 0; g < groups; g++ {
			group := r.movers[g*groupSize : min((g+1)*groupSize, cfg.Movers)]
			offset := interval * time.Duration(g) / time.Duration(groups)
			senders.Add(1)
			go func() {
				defer senders.Done()
				r.sendGroup(ctx, group, interval, offset, stop)
			}()
		}
	}
	if sleepUntil(ctx, winStart) {
		r.win.start.Store(winStart.UnixNano())
	}
	if cfg.Warmup > 0 {
		m0, _ = scrapeLogged(ctx, api.http, cfg.metricsURL(), logw)
	}
	m0At, cpu0 := time.Now(), cputime.Self()
	senders.Wait()
	r.win.end.Store(stop.UnixNano())
	sleepUntil(ctx, stop.Add(cfg.Drain))
	m1, _ := scrapeLogged(ctx, api.http, cfg.metricsURL(), logw)
	m1Secs := time.Since(m0At).Seconds()
	clientCores := (cputime.Self() - cpu0).Seconds() / m1Secs
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("loadgen: map run: %w", err)
	}
	r.shutdown()

	mr := r.result(cfg, winStart, stop, m1Secs, before, m0, m1)
	mr.LoadgenCPUCores = clientCores
	res.Map = mr
	for i, m := range r.movers {
		fl.state.Stalls[i].Point = m.walker.Pos()
	}
	if err := saveState(cfg.StatePath, fl.state); err != nil {
		fmt.Fprintf(logw, "warning: %v\n", err)
	}
	return res, nil
}

// result analyses the deliveries once every reader has ended.
func (r *mapRun) result(cfg *Config, winStart, stop time.Time, m1Secs float64, before, m0, m1 Metrics) *MapResult {
	logs := make([]*moverLog, len(r.movers))
	for i, m := range r.movers {
		logs[i] = &m.log
	}
	deliveries := make([][]delivery, len(r.watchers))
	mr := &MapResult{Movers: cfg.Movers, Watchers: cfg.Watchers, Stalls: cfg.Stalls, RadiusM: cfg.RadiusM,
		TargetRate: cfg.Rate, WindowSeconds: stop.Sub(winStart).Seconds(), Events: map[string]int64{}}
	var windowEvents, snap int64
	for i, w := range r.watchers {
		deliveries[i] = w.deliveries
		windowEvents += w.windowEvents
		mr.Unmatched += w.unmatched
		snap += w.snapshotStalls
		for k, v := range w.events {
			mr.Events[k] += v
		}
	}
	st := analyze(logs, deliveries, r.circles, winStart.UnixNano(), stop.UnixNano())
	secs := mr.WindowSeconds
	mr.Sent, mr.SentPerSec = st.Sent, float64(st.Sent)/secs
	mr.EventsPerSec = float64(windowEvents) / secs
	mr.Latency = summarize(&st.Latency)
	mr.Expected, mr.Received, mr.Lost, mr.Late = st.Expected, st.Received, st.Lost, st.Late
	mr.Superseded = st.Superseded
	mr.Delivered, mr.Extra, mr.Duplicates = st.Delivered, st.Extra, st.Duplicates
	if st.Delivered > 0 {
		mr.Precision = float64(st.Delivered-st.Extra) / float64(st.Delivered)
	}
	if len(r.watchers) > 0 {
		mr.SnapshotStalls = float64(snap) / float64(len(r.watchers))
	}
	mr.Rejected, mr.Errors, mr.Disconnects = r.rejects.snapshot(), r.errs.snapshot(), r.discs.snapshot()
	if m0 != nil && m1 != nil {
		b, a := m0.ByLabel(metricUpdates, "result"), m1.ByLabel(metricUpdates, "result")
		mr.ServerUpdates = map[string]float64{}
		for k, v := range a {
			mr.ServerUpdates[k] = v - b[k]
		}
		mr.Accepted = mr.ServerUpdates["accepted"]
		mr.ServerNotDelivered = notDelivered(m0, m1)
		mr.AcceptedPerSec = mr.Accepted / secs
		cpu := m1.Get(seriesCPU) - m0.Get(seriesCPU)
		mr.ServerCPUCores = cpu / m1Secs
		if mr.Accepted > 0 {
			mr.ServerCPUPerUpd = cpu * 1e6 / mr.Accepted
		}
	}
	if before != nil {
		mr.ServerBefore = sampleOf(before)
	}
	if m1 != nil {
		mr.ServerAfter = sampleOf(m1)
	}
	return mr
}

// waitReady waits for ready to close, ctx or readyTimeout.
func waitReady(ctx context.Context, ready <-chan struct{}) error {
	t := time.NewTimer(readyTimeout)
	defer t.Stop()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("loadgen: no snapshot within %s", readyTimeout)
	}
}

// sleepUntil sleeps until t; false when ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// scrapeLogged scrapes /metrics; a failure is reported on logw and
// returns nil metrics.
func scrapeLogged(ctx context.Context, c *http.Client, url string, logw io.Writer) (Metrics, error) {
	m, err := ScrapeMetrics(ctx, c, url)
	if err != nil {
		fmt.Fprintf(logw, "warning: %v\n", err)
		return nil, err
	}
	return m, nil
}

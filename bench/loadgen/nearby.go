package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/illuwa/illuwa/bench/cputime"
)

// runNearby hammers GET /api/v1/pochas/nearby from cfg.NearbyClients
// concurrent clients at random points of the area.
func runNearby(ctx context.Context, cfg *Config, logw io.Writer) (*Result, error) {
	api := newAPIClient(cfg.URL, cfg.NearbyClients)
	if _, err := prepareFleet(ctx, cfg, api, logw); err != nil {
		return nil, err
	}
	if cfg.SetupOnly {
		return nil, nil
	}
	res := &Result{Mode: ModeNearby, URL: cfg.URL, Started: time.Now().UTC()}
	start := time.Now()
	winStart, stop := start.Add(cfg.Warmup), start.Add(cfg.Warmup+cfg.Duration)
	type clientStats struct {
		hist  Histogram
		items int64
		errs  map[string]int64
	}
	stats := make([]clientStats, cfg.NearbyClients)
	fmt.Fprintf(logw, "%d clients querying nearby (%.0f m) for %s + %s warm-up\n", cfg.NearbyClients, cfg.RadiusM, cfg.Duration, cfg.Warmup)
	var wg sync.WaitGroup
	for i := range stats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs := &stats[i]
			cs.errs = map[string]int64{}
			rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)+0x9e37))
			var buf bytes.Buffer
			raw := newRawGetter(cfg.URL, 30*time.Second)
			if raw != nil {
				defer raw.close()
			}
			var rawBuf []byte
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(stop) {
					return
				}
				var n int
				var errKind string
				if raw != nil {
					n, errKind, rawBuf = nearbyRaw(raw, cfg.Area.Random(rng), cfg.RadiusM, rawBuf)
				} else {
					n, errKind = nearbyOnce(ctx, api, cfg.Area.Random(rng), cfg.RadiusM, &buf)
				}
				t1 := time.Now()
				if t0.Before(winStart) {
					continue
				}
				if errKind != "" {
					cs.errs[errKind]++
					continue
				}
				cs.hist.Record(t1.Sub(t0))
				cs.items += int64(n)
			}
		}()
	}
	var m0, m1 Metrics
	var cpu0, cpu1 time.Duration
	if sleepUntil(ctx, winStart) {
		m0, _ = scrapeLogged(ctx, api.http, cfg.metricsURL(), logw)
		cpu0 = cputime.Self()
	}
	if sleepUntil(ctx, stop) {
		m1, _ = scrapeLogged(ctx, api.http, cfg.metricsURL(), logw)
		cpu1 = cputime.Self()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("loadgen: nearby: %w", err)
	}
	var all Histogram
	nr := &NearbyResult{Clients: cfg.NearbyClients, RadiusM: cfg.RadiusM, WindowSeconds: cfg.Duration.Seconds(), Errors: map[string]int64{}}
	var items int64
	for i := range stats {
		all.Merge(&stats[i].hist)
		items += stats[i].items
		for k, v := range stats[i].errs {
			nr.Errors[k] += v
		}
	}
	nr.Requests = int64(all.Count())
	nr.PerSec = float64(nr.Requests) / nr.WindowSeconds
	if nr.Requests > 0 {
		nr.ItemsAvg = float64(items) / float64(nr.Requests)
	}
	nr.Latency = summarize(&all)
	nr.LoadgenCPUCores = (cpu1 - cpu0).Seconds() / nr.WindowSeconds
	if m0 != nil && m1 != nil {
		cpu := m1.Get(seriesCPU) - m0.Get(seriesCPU)
		nr.ServerCPUCores = cpu / nr.WindowSeconds
		if nr.Requests > 0 {
			nr.ServerCPUPerReq = cpu * 1e6 / float64(nr.Requests)
		}
	}
	res.Nearby = nr
	return res, nil
}

// nearbyPath is the path and query of a nearby query at p.
func nearbyPath(p Point, radiusM float64) string {
	return "/api/v1/pochas/nearby?lat=" + strconv.FormatFloat(p.Lat, 'f', 6, 64) +
		"&lng=" + strconv.FormatFloat(p.Lng, 'f', 6, 64) + "&radius_m=" + strconv.FormatFloat(radiusM, 'f', -1, 64)
}

// nearbyRaw is nearbyOnce through a rawGetter; buf is the reused body.
func nearbyRaw(g *rawGetter, p Point, radiusM float64, buf []byte) (int, string, []byte) {
	body, status, err := g.get(nearbyPath(p, radiusM), buf)
	switch {
	case errors.Is(err, errUnsupportedFraming):
		return 0, "unsupported_framing", body
	case err != nil:
		return 0, "transport", body
	case status != http.StatusOK:
		return 0, "status_" + strconv.Itoa(status), body
	}
	return countStalls(body), "", body
}

// nearbyOnce runs one query and returns the number of stalls in the answer,
// or an error kind ("status_503", "transport").
func nearbyOnce(ctx context.Context, api *apiClient, p Point, radiusM float64, buf *bytes.Buffer) (int, string) {
	url := api.base + nearbyPath(p, radiusM)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "request"
	}
	resp, err := api.http.Do(req)
	if err != nil {
		return 0, "transport"
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return 0, "read"
	}
	if resp.StatusCode != http.StatusOK {
		return 0, "status_" + strconv.Itoa(resp.StatusCode)
	}
	return countStalls(buf.Bytes()), ""
}

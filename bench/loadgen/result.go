package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is the outcome of one run; exactly one of Map, Idle and Nearby is
// set, matching Mode. Rates are per second of the measured window.
type Result struct {
	Mode    string        `json:"mode"`
	URL     string        `json:"url"`
	Started time.Time     `json:"started"`
	Map     *MapResult    `json:"map,omitempty"`
	Idle    *IdleResult   `json:"idle,omitempty"`
	Nearby  *NearbyResult `json:"nearby,omitempty"`
}

// ServerSample is the server's process state read from /metrics.
type ServerSample struct {
	Goroutines      float64 `json:"goroutines"`
	HeapInuseBytes  float64 `json:"heap_inuse_bytes"`
	StackInuseBytes float64 `json:"stack_inuse_bytes"`
	RSSBytes        float64 `json:"rss_bytes"`
	WSConnections   float64 `json:"ws_connections"`
	CPUSeconds      float64 `json:"cpu_seconds"` // process CPU time so far
}

func sampleOf(m Metrics) ServerSample {
	return ServerSample{
		Goroutines: m.Get(seriesGoroutines), HeapInuseBytes: m.Get(seriesHeapInuse),
		StackInuseBytes: m.Get(seriesStackInuse), RSSBytes: m.Get(seriesRSS), WSConnections: m.Get(seriesWSConns),
		CPUSeconds: m.Get(seriesCPU),
	}
}

// LatencySummary summarises a latency distribution in milliseconds.
type LatencySummary struct {
	Count  uint64  `json:"count"`
	MeanMS float64 `json:"mean_ms"`
	P50MS  float64 `json:"p50_ms"`
	P95MS  float64 `json:"p95_ms"`
	P99MS  float64 `json:"p99_ms"`
	MaxMS  float64 `json:"max_ms"`
}

func summarize(h *Histogram) LatencySummary {
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	return LatencySummary{Count: h.Count(), MeanMS: ms(h.Mean()), P50MS: ms(h.Quantile(0.5)),
		P95MS: ms(h.Quantile(0.95)), P99MS: ms(h.Quantile(0.99)), MaxMS: ms(h.Max())}
}

// MapResult is the outcome of a map run. Delivery counts cover the updates
// sent inside the window: Expected pairs (accepted update, watcher whose
// circle contains the new position), of which Late arrived after 1 s,
// Superseded never arrived but a newer position of the same stall did
// (within 2 s), and Lost never arrived, nor anything newer of the stall,
// within 2 s; Extra events went to a watcher outside whose circle the stall
// was. ServerNotDelivered is what the server itself counted as not sent,
// over the window (counter deltas by series): every pair missing on this
// side should be among them.
type MapResult struct {
	Movers          int                `json:"movers"`
	Watchers        int                `json:"watchers"`
	Stalls          int                `json:"stalls"`
	RadiusM         float64            `json:"radius_m"`
	TargetRate      float64            `json:"target_rate"`
	WindowSeconds   float64            `json:"window_seconds"`
	Sent            int64              `json:"sent"`
	SentPerSec      float64            `json:"sent_per_sec"`
	Accepted        float64            `json:"accepted"` // server counter delta
	AcceptedPerSec  float64            `json:"accepted_per_sec"`
	Rejected        map[string]int64   `json:"rejected"` // by error code, whole run
	EventsPerSec    float64            `json:"events_per_sec"`
	Events          map[string]int64   `json:"events"` // by type, whole run
	Latency         LatencySummary     `json:"latency"`
	Expected        int64              `json:"expected"`
	Received        int64              `json:"received"`
	Lost            int64              `json:"lost"`
	Superseded      int64              `json:"superseded"`
	Late            int64              `json:"late"`
	Delivered       int64              `json:"delivered"`
	Extra           int64              `json:"extra"`
	Duplicates      int64              `json:"duplicates"`
	Unmatched       int64              `json:"unmatched"`
	Precision       float64            `json:"precision"` // (delivered − extra) / delivered
	SnapshotStalls  float64            `json:"snapshot_stalls_avg"`
	Disconnects     map[string]int64   `json:"disconnects"` // by close code
	Errors          map[string]int64   `json:"errors"`
	ServerCPUCores  float64            `json:"server_cpu_cores"`         // server CPU seconds per second, from the window start to the last scrape
	ServerCPUPerUpd float64            `json:"server_cpu_us_per_update"` // server CPU µs per accepted update
	LoadgenCPUCores float64            `json:"loadgen_cpu_cores"`        // this generator's own CPU use over the same time
	ServerBefore    ServerSample       `json:"server_before"`
	ServerAfter     ServerSample       `json:"server_after"`
	ServerUpdates   map[string]float64 `json:"server_updates"` // counter delta by result label

	ServerNotDelivered map[string]float64 `json:"server_not_delivered"`
}

// IdleResult is the outcome of an idle run: server memory per idle
// connection, from samples before connecting and after Conns connected.
type IdleResult struct {
	Conns             int              `json:"conns"`
	Connected         int              `json:"connected"`
	Watching          bool             `json:"watching"`
	ConnectSeconds    float64          `json:"connect_seconds"`
	Before            ServerSample     `json:"before"`
	After             ServerSample     `json:"after"`
	BytesPerConn      float64          `json:"bytes_per_conn"` // Δ(heap_inuse + stack_inuse) / connected
	RSSPerConn        float64          `json:"rss_per_conn"`
	GoroutinesPerConn float64          `json:"goroutines_per_conn"`
	Disconnects       map[string]int64 `json:"disconnects"`
	Errors            map[string]int64 `json:"errors"`
	Reconnect         *ReconnectResult `json:"reconnect,omitempty"` // with --idle-hold
}

// ReconnectResult is what the connections that dropped during --idle-hold
// (a server restart) cost to come back: Downtime per connection is from its
// drop to the snapshot on its new connection.
type ReconnectResult struct {
	Dropped                    int64          `json:"dropped"`
	Resubscribed               int64          `json:"resubscribed"`
	FirstDropToLastBackSeconds float64        `json:"first_drop_to_last_back_seconds"`
	Downtime                   LatencySummary `json:"downtime"`
}

// NearbyResult is the outcome of a nearby run.
type NearbyResult struct {
	Clients       int              `json:"clients"`
	RadiusM       float64          `json:"radius_m"`
	WindowSeconds float64          `json:"window_seconds"`
	Requests      int64            `json:"requests"`
	PerSec        float64          `json:"per_sec"`
	ItemsAvg      float64          `json:"items_avg"`
	Latency       LatencySummary   `json:"latency"`
	Errors        map[string]int64 `json:"errors"`
	// Server CPU seconds per second of the window, and µs per request;
	// the generator's own CPU use over the window.
	ServerCPUCores  float64 `json:"server_cpu_cores"`
	ServerCPUPerReq float64 `json:"server_cpu_us_per_request"`
	LoadgenCPUCores float64 `json:"loadgen_cpu_cores"`
}

// Write prints r as a readable table, or as indented JSON when asJSON.
func (r *Result) Write(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("loadgen: write result: %w", err)
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k string, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, args...)...)
	}
	row("mode", "%s (%s)", r.Mode, r.URL)
	switch {
	case r.Map != nil:
		m := r.Map
		row("setup", "%d stalls, %d movers, %d watchers of %.0f m, target %.0f updates/s", m.Stalls, m.Movers, m.Watchers, m.RadiusM, m.TargetRate)
		row("window", "%.1f s", m.WindowSeconds)
		row("updates sent", "%.0f/s (%d)", m.SentPerSec, m.Sent)
		row("updates accepted", "%.0f/s (server counter: %s)", m.AcceptedPerSec, floatMap(m.ServerUpdates))
		row("rejected", "%s", intMap(m.Rejected))
		row("events delivered", "%.0f/s (%s)", m.EventsPerSec, intMap(m.Events))
		row("latency ms", "p50 %.2f  p95 %.2f  p99 %.2f  max %.2f  (n=%d)", m.Latency.P50MS, m.Latency.P95MS, m.Latency.P99MS, m.Latency.MaxMS, m.Latency.Count)
		row("expected", "%d  received %d  lost %d  superseded %d  late %d", m.Expected, m.Received, m.Lost, m.Superseded, m.Late)
		row("server not delivered", "%s", floatMap(m.ServerNotDelivered))
		row("delivered", "%d  extra %d (precision %.4f)  duplicates %d  unmatched %d", m.Delivered, m.Extra, m.Precision, m.Duplicates, m.Unmatched)
		row("snapshot", "%.1f stalls per watcher", m.SnapshotStalls)
		row("CPU", "server %.2f cores (%.1f µs per accepted update), loadgen %.2f cores", m.ServerCPUCores, m.ServerCPUPerUpd, m.LoadgenCPUCores)
		row("disconnects", "%s", intMap(m.Disconnects))
		row("errors", "%s", intMap(m.Errors))
		writeSamples(row, m.ServerBefore, m.ServerAfter)
	case r.Idle != nil:
		m := r.Idle
		row("connections", "%d of %d (watching: %v) in %.1f s", m.Connected, m.Conns, m.Watching, m.ConnectSeconds)
		writeSamples(row, m.Before, m.After)
		row("per connection", "%.0f B heap+stack, %.0f B RSS, %.2f goroutines", m.BytesPerConn, m.RSSPerConn, m.GoroutinesPerConn)
		row("disconnects", "%s", intMap(m.Disconnects))
		row("errors", "%s", intMap(m.Errors))
		if rc := m.Reconnect; rc != nil {
			row("reconnect", "%d dropped, %d back; first drop to last back %.2f s", rc.Dropped, rc.Resubscribed, rc.FirstDropToLastBackSeconds)
			row("downtime ms", "p50 %.0f  p95 %.0f  p99 %.0f  max %.0f", rc.Downtime.P50MS, rc.Downtime.P95MS, rc.Downtime.P99MS, rc.Downtime.MaxMS)
		}
	case r.Nearby != nil:
		m := r.Nearby
		row("clients", "%d, radius %.0f m, window %.1f s", m.Clients, m.RadiusM, m.WindowSeconds)
		row("requests", "%.0f/s (%d), %.1f items each", m.PerSec, m.Requests, m.ItemsAvg)
		row("latency ms", "p50 %.2f  p95 %.2f  p99 %.2f  max %.2f", m.Latency.P50MS, m.Latency.P95MS, m.Latency.P99MS, m.Latency.MaxMS)
		row("errors", "%s", intMap(m.Errors))
		row("CPU", "server %.2f cores (%.1f µs per request), loadgen %.2f cores", m.ServerCPUCores, m.ServerCPUPerReq, m.LoadgenCPUCores)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("loadgen: write result: %w", err)
	}
	return nil
}

func writeSamples(row func(string, string, ...any), b, a ServerSample) {
	mb := func(v float64) float64 { return v / (1 << 20) }
	row("server goroutines", "%.0f -> %.0f", b.Goroutines, a.Goroutines)
	row("server heap in use", "%.1f -> %.1f MiB", mb(b.HeapInuseBytes), mb(a.HeapInuseBytes))
	row("server stack in use", "%.1f -> %.1f MiB", mb(b.StackInuseBytes), mb(a.StackInuseBytes))
	row("server RSS", "%.1f -> %.1f MiB", mb(b.RSSBytes), mb(a.RSSBytes))
	row("server ws connections", "%.0f -> %.0f", b.WSConnections, a.WSConnections)
}

func intMap(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}

func floatMap(m map[string]float64) string {
	c := make(map[string]int64, len(m))
	for k, v := range m {
		c[k] = int64(v)
	}
	return intMap(c)
}

package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// Metrics is one scrape of a Prometheus text exposition: the value of every
// sample keyed by its series, the metric name followed by its labels as
// written by the server (for example
// `illuwa_location_updates_total{result="accepted"}`). Comments and
// timestamps are ignored.
type Metrics map[string]float64

// Well-known series read by the load generator.
const (
	seriesGoroutines = "go_goroutines"
	seriesHeapInuse  = "go_memstats_heap_inuse_bytes"
	seriesStackInuse = "go_memstats_stack_inuse_bytes"
	seriesRSS        = "process_resident_memory_bytes"
	seriesWSConns    = "illuwa_ws_connections"
	seriesCPU        = "process_cpu_seconds_total"
	metricUpdates    = "illuwa_location_updates_total"
)

// notDeliveredSeries are the server's counters of events it did not
// deliver: superseded by a newer position, dropped (send queue full,
// undecodable, snapshot overflow), the broker's drops by reason, and
// clients cut off for reading too slowly.
var notDeliveredSeries = []string{
	"illuwa_ws_events_superseded_total",
	"illuwa_ws_messages_dropped_total",
	"illuwa_ws_slow_disconnects_total",
	`illuwa_broker_messages_dropped_total{reason="queue_full"}`,
	`illuwa_broker_messages_dropped_total{reason="unknown_channel"}`,
	`illuwa_broker_messages_dropped_total{reason="other"}`,
	"illuwa_broker_resyncs_total",
}

// notDelivered returns the change of each notDeliveredSeries from m0 to m1,
// keyed by the series without the illuwa_ prefix.
func notDelivered(m0, m1 Metrics) map[string]float64 {
	out := make(map[string]float64, len(notDeliveredSeries))
	for _, s := range notDeliveredSeries {
		out[strings.TrimPrefix(s, "illuwa_")] = m1.Get(s) - m0.Get(s)
	}
	return out
}

// ParseMetrics reads the Prometheus text format from r. Label sets are
// normalised (sorted by name, values re-quoted) so that a series can be
// looked up as name{a="x",b="y"} whatever order the server wrote.
func ParseMetrics(r io.Reader) (Metrics, error) {
	m := Metrics{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		key, rest, err := splitSeries(text)
		if err != nil {
			return nil, fmt.Errorf("loadgen: metrics line %d: %w", line, err)
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return nil, fmt.Errorf("loadgen: metrics line %d: no value", line)
		}
		v, err := parseSampleValue(fields[0])
		if err != nil {
			return nil, fmt.Errorf("loadgen: metrics line %d: %w", line, err)
		}
		m[key] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("loadgen: read metrics: %w", err)
	}
	return m, nil
}

// splitSeries splits a sample line into its normalised series key and the
// text after it.
func splitSeries(s string) (key, rest string, err error) {
	i := strings.IndexAny(s, "{ \t")
	if i < 0 {
		return "", "", fmt.Errorf("no value after %q", s)
	}
	name := s[:i]
	if s[i] != '{' {
		return name, s[i:], nil
	}
	labels, n, err := parseLabels(s[i+1:])
	if err != nil {
		return "", "", err
	}
	return seriesKey(name, labels), s[i+1+n:], nil
}

// parseLabels reads `a="x",b="y"}` and returns the pairs and the number of
// bytes consumed, the closing brace included.
func parseLabels(s string) ([][2]string, int, error) {
	var out [][2]string
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == ',') {
			i++
		}
		if i >= len(s) {
			return nil, 0, fmt.Errorf("unterminated label set")
		}
		if s[i] == '}' {
			return out, i + 1, nil
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 || i+eq+1 >= len(s) || s[i+eq+1] != '"' {
			return nil, 0, fmt.Errorf("malformed label near %q", s[i:])
		}
		name := strings.TrimSpace(s[i : i+eq])
		j := i + eq + 2
		var val strings.Builder
		for ; j < len(s) && s[j] != '"'; j++ {
			if s[j] == '\\' && j+1 < len(s) {
				j++
				switch s[j] {
				case 'n':
					val.WriteByte('\n')
				default:
					val.WriteByte(s[j])
				}
				continue
			}
			val.WriteByte(s[j])
		}
		if j >= len(s) {
			return nil, 0, fmt.Errorf("unterminated label value")
		}
		out = append(out, [2]string{name, val.String()})
		i = j + 1
	}
}

// seriesKey renders name{labels} with labels sorted by name.
func seriesKey(name string, labels [][2]string) string {
	if len(labels) == 0 {
		return name
	}
	for i := 1; i < len(labels); i++ {
		for j := i; j > 0 && labels[j][0] < labels[j-1][0]; j-- {
			labels[j], labels[j-1] = labels[j-1], labels[j]
		}
	}
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i, l := range labels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l[0])
		b.WriteString("=")
		b.WriteString(strconv.Quote(l[1]))
	}
	b.WriteByte('}')
	return b.String()
}

func parseSampleValue(s string) (float64, error) {
	switch s {
	case "+Inf":
		return math.Inf(1), nil
	case "-Inf":
		return math.Inf(-1), nil
	case "NaN":
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("bad sample value %q", s)
	}
	return v, nil
}

// Get returns the value of a series, 0 when absent.
func (m Metrics) Get(series string) float64 { return m[series] }

// Sum adds every series of metric name whose labels include all of match
// (name→value); a nil match sums every series of the metric.
func (m Metrics) Sum(name string, match map[string]string) float64 {
	var total float64
	for key, v := range m {
		if key != name && !strings.HasPrefix(key, name+"{") {
			continue
		}
		ok := true
		for ln, lv := range match {
			if !strings.Contains(key, ln+"="+strconv.Quote(lv)) {
				ok = false
				break
			}
		}
		if ok {
			total += v
		}
	}
	return total
}

// ByLabel groups the series of metric name by the value of label, summing
// series that share it.
func (m Metrics) ByLabel(name, label string) map[string]float64 {
	out := map[string]float64{}
	for key, v := range m {
		if !strings.HasPrefix(key, name+"{") {
			continue
		}
		labels, _, err := parseLabels(key[len(name)+1:])
		if err != nil {
			continue
		}
		for _, l := range labels {
			if l[0] == label {
				out[l[1]] += v
			}
		}
	}
	return out
}

// ScrapeMetrics fetches and parses baseURL + "/metrics".
func ScrapeMetrics(ctx context.Context, client *http.Client, baseURL string) (Metrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/metrics", nil)
	if err != nil {
		return nil, fmt.Errorf("loadgen: metrics request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("loadgen: scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("loadgen: scrape metrics: status %d", resp.StatusCode)
	}
	return ParseMetrics(resp.Body)
}

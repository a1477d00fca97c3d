package loadgen

import (
	"math"
	"strings"
	"testing"
)

const sampleMetrics = `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 42
go_memstats_heap_inuse_bytes 1.2345e+07
process_resident_memory_bytes 3.3554432e+07
# TYPE illuwa_location_updates_total counter
illuwa_location_updates_total{result="accepted"} 1500
illuwa_location_updates_total{result="too_fast"} 3
illuwa_location_updates_total{result="stale_time",instance="a"} 2
illuwa_location_updates_total{instance="b", result="stale_time"} 5
weird{path="/a \"b\"\\c"} +Inf
with_ts 7 1700000000000
`

func TestParseMetrics(t *testing.T) {
	m, err := ParseMetrics(strings.NewReader(sampleMetrics))
	if err != nil {
		t.Fatalf("ParseMetrics: %v", err)
	}
	if m.Get(seriesGoroutines) != 42 || m.Get(seriesHeapInuse) != 12345000 || m.Get(seriesRSS) != 33554432 {
		t.Errorf("gauges: %v %v %v", m.Get(seriesGoroutines), m.Get(seriesHeapInuse), m.Get(seriesRSS))
	}
	if got := m.Get(`illuwa_location_updates_total{result="accepted"}`); got != 1500 {
		t.Errorf("accepted = %v", got)
	}
	// Labels are normalised: instance sorts before result.
	if got := m.Get(`illuwa_location_updates_total{instance="b",result="stale_time"}`); got != 5 {
		t.Errorf("normalised series = %v", got)
	}
	if got := m.Sum(metricUpdates, map[string]string{"result": "stale_time"}); got != 7 {
		t.Errorf("sum stale_time = %v, want 7", got)
	}
	if got := m.Sum(metricUpdates, nil); got != 1510 {
		t.Errorf("sum all = %v, want 1510", got)
	}
	by := m.ByLabel(metricUpdates, "result")
	if by["accepted"] != 1500 || by["too_fast"] != 3 || by["stale_time"] != 7 || len(by) != 3 {
		t.Errorf("by result = %v", by)
	}
	if got := m.Get(`weird{path="/a \"b\"\\c"}`); !math.IsInf(got, 1) {
		t.Errorf("escaped label series = %v (keys %v)", got, m)
	}
	if m.Get("with_ts") != 7 {
		t.Errorf("timestamped sample = %v", m.Get("with_ts"))
	}
	if m.Get("absent") != 0 {
		t.Error("absent series should read 0")
	}
}

func TestParseMetricsErrors(t *testing.T) {
	for _, bad := range []string{
		"novalue\n",
		"x{a=\"1\" 2\n",
		"x{a=1} 2\n",
		"x notanumber\n",
	} {
		if _, err := ParseMetrics(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

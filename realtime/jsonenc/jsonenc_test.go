package jsonenc

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func marshal(t *testing.T, v any) string {
	t.Helper()
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}

// Each function writes what encoding/json writes, for values of every kind.
func TestMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.99e-7, 1e20, 1e21, -1e21, 5e-324, math.MaxFloat64, 37.5665, 126.978}
	for range 20_000 {
		floats = append(floats, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(50)-25)), 37.45+rng.Float64()*0.2)
	}
	for _, f := range floats {
		if got, want := string(Float(nil, f)), marshal(t, f); got != want {
			t.Fatalf("Float(%v) = %s, want %s", f, got, want)
		}
	}
	// Tenths: distances as the nearby answer rounds them, and the edges of
	// its short way (0, 1e15 tenths) and of rounding (x.x5).
	dists := []float64{0, math.Copysign(0, -1), 0.04, 0.05, 0.95, 999.95, 1e14 - 0.05, 1e14, 1e14 + 0.05, 2e15, 1e300, 5e-324, -3.25}
	for range 100_000 {
		dists = append(dists, rng.Float64()*20_000, float64(rng.IntN(200_000))/10+0.05, rng.Float64()*math.Pow(10, float64(rng.IntN(17))))
	}
	for _, d := range dists {
		if got, want := string(Tenths(nil, d)), marshal(t, math.Round(d*10)/10); got != want {
			t.Fatalf("Tenths(%v) = %s, want %s", d, got, want)
		}
	}
	strs := []string{"", "plain", "떡볶이 포차", `q"b\`, "<>&", "\x00\x1f\x7f", "\t\n\r", "\u2028\u2029", "\u2027\u202a", "\xe2\x80", "\xe2\x80\xa8x",
		"bad \xff\xfe", "\xed\xa0\x80 surrogate", "🍢", "a\u00e9b"}
	for _, s := range strs {
		if got, want := string(String(nil, s)), marshal(t, s); got != want {
			t.Fatalf("String(%q) = %s, want %s", s, got, want)
		}
	}
	kst := time.FixedZone("KST", 9*60*60)
	times := []time.Time{{}, time.Date(2026, 5, 1, 19, 30, 0, 0, time.UTC), time.Date(2026, 5, 1, 19, 30, 0, 123456000, kst),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)}
	for _, tm := range times {
		if got, want := string(Time(nil, tm)), marshal(t, tm); got != want {
			t.Fatalf("Time(%v) = %s, want %s", tm, got, want)
		}
	}
	for _, tm := range append(times, time.Date(2026, 5, 1, 19, 30, 0, 5, time.FixedZone("", -(23*3600+59*60+59))),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 5, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)), time.Date(2026, 5, 1, 0, 0, 0, 0, time.FixedZone("", -100*3600))) {
		js, err := json.Marshal(tm)
		got, ok := TimeStrict([]byte("x"), tm)
		if ok != (err == nil) || string(got) != "x"+string(js) {
			t.Fatalf("TimeStrict(%v) = %s, %v; encoding/json: %s, %v", tm, got, ok, js, err)
		}
	}
	if got := string(Time(nil, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))); got != "null" {
		t.Fatalf("Time of the year 10000 = %s, want null", got)
	}
	if got := string(Float([]byte("x"), 2)); got != "x2" {
		t.Fatalf("Float appends: %s", got)
	}
}

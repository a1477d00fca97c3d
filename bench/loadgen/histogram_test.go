package loadgen

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBucketBoundsHoldEveryValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	values := []uint64{0, 1, 63, 64, 65, 127, 128, 1000, 1 << 40, 1<<63 - 1}
	for i := 0; i < 10000; i++ {
		values = append(values, rng.Uint64N(1<<uint(rng.IntN(63)+1)))
	}
	for _, v := range values {
		i := bucketOf(v)
		hi := bucketHigh(i)
		if hi < v {
			t.Fatalf("value %d in bucket %d whose top is %d", v, i, hi)
		}
		if i > 0 && bucketHigh(i-1) >= v {
			t.Fatalf("value %d also fits bucket %d (top %d)", v, i-1, bucketHigh(i-1))
		}
		if v >= subBuckets && float64(hi-v) > float64(v)/subBuckets {
			t.Fatalf("value %d: bucket top %d is more than 1/%d above", v, hi, subBuckets)
		}
	}
}

func TestQuantileNearestRank(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	cases := []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 500 * time.Millisecond},
		{0.95, 950 * time.Millisecond},
		{0.99, 990 * time.Millisecond},
		{0.999, 999 * time.Millisecond},
	}
	for _, c := range cases {
		got := h.Quantile(c.q)
		if got < c.want || float64(got-c.want) > float64(c.want)/subBuckets {
			t.Errorf("q%.3f = %v, want %v (+1.6%%)", c.q, got, c.want)
		}
	}
	if h.Quantile(1) != time.Second || h.Max() != time.Second || h.Min() != time.Millisecond {
		t.Errorf("max %v q1 %v min %v", h.Max(), h.Quantile(1), h.Min())
	}
	if h.Count() != 1000 || h.Mean() != 500500*time.Microsecond {
		t.Errorf("count %d mean %v", h.Count(), h.Mean())
	}
}

func TestQuantileSmallAndEmpty(t *testing.T) {
	var h Histogram
	if h.Quantile(0.99) != 0 || h.Max() != 0 || h.Mean() != 0 {
		t.Fatal("empty histogram should report zeros")
	}
	h.Record(-5) // clamped to zero
	h.Record(7 * time.Millisecond)
	if got := h.Quantile(0.5); got != 0 {
		t.Errorf("p50 of {0, 7ms} = %v, want 0", got)
	}
	if got := h.Quantile(0.99); got != 7*time.Millisecond {
		t.Errorf("p99 of {0, 7ms} = %v, want 7ms (clamped to max)", got)
	}
}

func TestMergeEqualsRecordingTogether(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var a, b, all Histogram
	for i := 0; i < 5000; i++ {
		d := time.Duration(rng.Int64N(int64(50 * time.Millisecond)))
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&b)
	for _, q := range []float64{0.1, 0.5, 0.9, 0.99} {
		if m.Quantile(q) != all.Quantile(q) {
			t.Errorf("q%.2f merged %v, together %v", q, m.Quantile(q), all.Quantile(q))
		}
	}
	if m.Count() != all.Count() || m.Min() != all.Min() || m.Max() != all.Max() {
		t.Errorf("merged count/min/max %d/%v/%v, together %d/%v/%v", m.Count(), m.Min(), m.Max(), all.Count(), all.Min(), all.Max())
	}
}

package loadgen

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestWalkerRespectsSpeedStepAndArea(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	starts := []Point{
		{37.55, 127.0},
		{Seoul.MinLat, Seoul.MinLng}, // a corner
		{Seoul.MaxLat, Seoul.MaxLng},
		{40, 120}, // outside: clamped in
	}
	for _, start := range starts {
		w := NewWalker(Seoul, start, 120, rng)
		if !Seoul.Contains(w.Pos()) {
			t.Fatalf("start %v not clamped into the area: %v", start, w.Pos())
		}
		moved := 0.0
		for i := 0; i < 20000; i++ {
			dt := time.Duration(rng.Int64N(int64(3 * time.Second)))
			prev := w.Pos()
			p := w.Step(dt)
			d := DistanceM(prev, p)
			limit := min(0.9*(120/3.6)*dt.Seconds(), MaxStepM)
			if d > limit+1e-6 {
				t.Fatalf("step %d: %.3f m in %v, limit %.3f m", i, d, dt, limit)
			}
			if !Seoul.Contains(p) {
				t.Fatalf("step %d left the area: %v", i, p)
			}
			moved += d
		}
		if moved < 1000 {
			t.Errorf("from %v the walker moved only %.0f m in 20000 steps", start, moved)
		}
	}
}

func TestWalkerZeroTimeDoesNotMove(t *testing.T) {
	w := NewWalker(Seoul, Point{37.5, 127}, 120, rand.New(rand.NewPCG(1, 1)))
	if p := w.Step(0); p != (Point{37.5, 127}) {
		t.Errorf("a zero-time step moved to %v", p)
	}
	if w.StepLimitM(-time.Second) != 0 || w.StepLimitM(time.Hour) != MaxStepM {
		t.Errorf("step limits: %v %v", w.StepLimitM(-time.Second), w.StepLimitM(time.Hour))
	}
	// 4 updates/s at 120 km/h: 0.9 × 33.3 m/s × 0.25 s = 7.5 m.
	if got := w.StepLimitM(250 * time.Millisecond); got < 7.49 || got > 7.51 {
		t.Errorf("limit at 250ms = %.3f m, want 7.5", got)
	}
}

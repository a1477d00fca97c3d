package realtime

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestDeepWorkersReuseAndEnd(t *testing.T) {
	done := make(chan struct{})
	d := newDeepWorkers(done)

	// One caller at a time: the workers are reused (a caller may come back
	// before the worker that served it waits again, so a few may start).
	var ran int
	for range 100 {
		d.run(func() { ran++ }) // run waits, so no race on ran
	}
	if ran != 100 {
		t.Fatalf("ran %d of 100", ran)
	}
	waitFor(t, "the workers to wait", func() bool { return d.live.Load() > 0 && d.idle.Load() == d.live.Load() })
	if n := d.live.Load(); n > 10 {
		t.Fatalf("%d workers after 100 sequential runs, want a few reused", n)
	}

	// Many blocked at once: each gets a worker (no caller waits for
	// another's work), and past maxIdle the extra workers end.
	callers := int(d.maxIdle) + 50
	release := make(chan struct{})
	var started atomic.Int32
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.run(func() {
				started.Add(1)
				<-release
			})
		}()
	}
	waitFor(t, "every caller's work to start", func() bool { return int(started.Load()) == callers })
	close(release)
	wg.Wait()
	waitFor(t, "maxIdle idle workers", func() bool {
		return d.idle.Load() == d.maxIdle && d.live.Load() == d.maxIdle
	})

	// Shutdown ends the idle workers.
	close(done)
	waitFor(t, "the workers to end", func() bool { return d.live.Load() == 0 })
	if d.idle.Load() != 0 {
		t.Fatalf("%d idle after shutdown", d.idle.Load())
	}
	// And work handed over later still runs, on a goroutine that then ends.
	ran = 0
	d.run(func() { ran = 1 })
	if ran != 1 {
		t.Fatal("run after shutdown did not run")
	}
	waitFor(t, "the late worker to end", func() bool { return d.live.Load() == 0 })
}

// deepStack uses about n KB of stack, as the read path's decoding and
// broker calls do.
//
//go:noinline
func deepStack(n int) byte {
	var pad [1000]byte
	pad[n%len(pad)] = byte(n)
	if n <= 1 {
		return pad[0]
	}
	return deepStack(n-1) + pad[n%len(pad)]
}

// BenchmarkDeepWork is one message's deep work (24 KB of stack) on a
// goroutine started for it, as before, against the hub's workers:
//
//	go test -run '^$' -bench DeepWork -benchmem ./realtime/
func BenchmarkDeepWork(b *testing.B) {
	work := func() { _ = deepStack(24) }
	b.Run("goroutine_per_message", func(b *testing.B) {
		for b.Loop() {
			done := make(chan struct{})
			go func() {
				defer close(done)
				work()
			}()
			<-done
		}
	})
	b.Run("deep_workers", func(b *testing.B) {
		done := make(chan struct{})
		defer close(done)
		d := newDeepWorkers(done)
		for b.Loop() {
			d.run(work)
		}
	})
}

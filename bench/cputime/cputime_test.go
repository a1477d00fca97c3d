package cputime

import (
	"runtime"
	"testing"
	"time"
)

// TestSelfGrowsWithWork spins for a while and expects the CPU time to have
// grown by a good part of it.
func TestSelfGrowsWithWork(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("not measured on this system") // never CI's: CI runs on Linux
	}
	before := Self()
	deadline := time.Now().Add(200 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	if got := Self() - before; got < 50*time.Millisecond {
		t.Fatalf("CPU time grew by %v over 200 ms of spinning", got)
	}
}

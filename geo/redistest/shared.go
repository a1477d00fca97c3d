package redistest

import (
	"errors"
	"os"
	"sync"
	"testing"
)

var shared struct {
	once sync.Once
	c    *Cluster
	err  error
}

// Shared returns the test binary's shared cluster of 3 masters and 3
// replicas, starting it at the first call. Without redis-server the test is
// skipped, or fails when CI=true; a cluster that does not come up fails it.
// Tests must not kill its nodes (start a cluster of their own for that),
// and must keep to key and channel prefixes of their own.
func Shared(tb testing.TB) *Cluster {
	tb.Helper()
	shared.once.Do(func() { shared.c, shared.err = StartCluster(3, 1) })
	if shared.err != nil {
		Unavailable(tb, shared.err)
	}
	return shared.c
}

// Unavailable stops tb because a cluster could not be had: a skip when
// redis-server is missing (a failure under CI=true), a failure otherwise.
func Unavailable(tb testing.TB, err error) {
	tb.Helper()
	if errors.Is(err, ErrNoRedis) && os.Getenv("CI") != "true" {
		tb.Skipf("%v (install Debian's redis-server; CI=true makes this a failure)", err)
	}
	tb.Fatalf("redis cluster: %v", err)
}

// Main runs the tests and stops the shared cluster if one was started. A
// package's TestMain calls os.Exit(redistest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if shared.c != nil {
		shared.c.Stop()
	}
	return code
}

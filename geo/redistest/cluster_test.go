package redistest

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/illuwa/illuwa/geo/keyslot"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestKeySlotAgreesWithRedis: keyslot.Of gives the slot Redis computes.
func TestKeySlotAgreesWithRedis(t *testing.T) {
	c := Shared(t)
	cl := c.Client()
	defer cl.Close()
	ctx := context.Background()
	keys := []string{"foo", "{user1000}.following", "a{b}c", "{}x", "x{y", "{{y}}", "illuwa:{g3.0}pos", "한글 키"}
	for i := range 200 {
		keys = append(keys, "illuwa:ps:cell:88"+strconv.Itoa(i*7919))
	}
	for _, tag := range keyslot.SpreadTags("g", 16) {
		keys = append(keys, "illuwa:geo:{"+tag+"}pos")
	}
	for _, k := range keys {
		want, err := cl.ClusterKeySlot(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got := keyslot.Of(k); int64(got) != want {
			t.Errorf("keyslot.Of(%q) = %d, Redis says %d", k, got, want)
		}
	}
}

// TestFailover: a killed master's replica takes over, and writes work again.
func TestFailover(t *testing.T) {
	c, err := StartCluster(3, 1)
	if err != nil {
		Unavailable(t, err)
	}
	defer c.Stop()
	cl := c.Client()
	defer cl.Close()
	ctx := context.Background()
	if err := cl.Set(ctx, "k", "before", 0).Err(); err != nil {
		t.Fatal(err)
	}
	old, err := c.Master("k")
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitHealthy(20 * NodeTimeout); err != nil {
		t.Fatal(err)
	}
	now, err := c.Master("k")
	if err != nil {
		t.Fatal(err)
	}
	if now == old {
		t.Fatal("the killed node is still the master")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = cl.Set(ctx, "k", "after", 0).Err()
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("write after failover: %v", err)
	}
	// The old master comes back as a replica of the new one.
	if err := old.Start(); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitHealthy(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	if m, _ := c.Master("k"); m != now {
		t.Fatalf("master of k is %s after the old master rejoined, want %s", m.Addr, now.Addr)
	}
}

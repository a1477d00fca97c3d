package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/geo/redistest"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// TestMain stops the Redis Cluster the cluster tests share, if one started.
func TestMain(m *testing.M) { os.Exit(redistest.Main(m)) }

// clusterEnv is the environment of instances sharing one MariaDB and Redis
// Cluster c under a fresh key prefix, whose keys are removed when the test
// ends.
func clusterEnv(t *testing.T, c *redistest.Cluster) map[string]string {
	t.Helper()
	prefix := "illuwa-test-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "") + ":"
	t.Cleanup(func() {
		cl := c.Client()
		defer cl.Close()
		ctx := context.Background()
		_ = cl.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			iter := m.Scan(ctx, 0, prefix+"*", 1000).Iterator()
			for iter.Next(ctx) {
				m.Unlink(ctx, iter.Val())
			}
			return iter.Err()
		})
	})
	return map[string]string{"ILLUWA_DATABASE_URL": storetest.URL(t, store.MySQL), "ILLUWA_REDIS_URL": c.URL(),
		"ILLUWA_REDIS_CLUSTER": "true", "ILLUWA_REDIS_PREFIX": prefix, "ILLUWA_MAX_SPEED_KMH": "2000"}
}

// TestLiveMapOnRedisCluster: the live map scenario across two instances on
// one MariaDB and a Redis Cluster of 3 masters and 3 replicas.
func TestLiveMapOnRedisCluster(t *testing.T) {
	env := clusterEnv(t, redistest.Shared(t))
	liveScenario(t, start(t, env), start(t, env))
}

// TestOrderFlowOnRedisCluster: the order flow with the screens on one
// instance and the API calls on the other, over Redis Cluster.
func TestOrderFlowOnRedisCluster(t *testing.T) {
	env := clusterEnv(t, redistest.Shared(t))
	env["ILLUWA_DEMO_MOVERS"] = "0"
	a := start(t, env, "--demo")
	b := start(t, env)
	orderFlow(t, a, b)
}

// TestRedisClusterSettings: a wrong combination stops serve with one line
// naming the variable, before anything listens.
func TestRedisClusterSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"cluster_without_url", map[string]string{"ILLUWA_REDIS_CLUSTER": "true"}, "ILLUWA_REDIS_URL"},
		{"hash_tag_in_prefix", map[string]string{"ILLUWA_REDIS_CLUSTER": "true", "ILLUWA_REDIS_URL": "redis://127.0.0.1:1",
			"ILLUWA_REDIS_PREFIX": "illuwa:{x}:"}, "ILLUWA_REDIS_PREFIX"},
		{"bad_seed_list", map[string]string{"ILLUWA_REDIS_CLUSTER": "true", "ILLUWA_REDIS_URL": "redis://127.0.0.1:1?adr=127.0.0.1:2"}, "ILLUWA_REDIS_URL"},
		{"not_a_bool", map[string]string{"ILLUWA_REDIS_CLUSTER": "yes please"}, "ILLUWA_REDIS_CLUSTER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["ILLUWA_DATA_DIR"] = t.TempDir()
			tc.env["ILLUWA_ADDR"] = "127.0.0.1:0"
			_, _, err := runCmd(t, tc.env, "serve")
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("serve = %v, want one line naming %s", err, tc.want)
			}
		})
	}
}

// subscribedMasters returns the masters of c on which clients named name
// hold sharded subscriptions.
func subscribedMasters(t *testing.T, c *redistest.Cluster, name string) []*redistest.Node {
	t.Helper()
	var out []*redistest.Node
	ctx := context.Background()
	for _, m := range c.Masters() {
		cl := redis.NewClient(&redis.Options{Addr: m.Addr})
		list, err := cl.ClientList(ctx).Result()
		_ = cl.Close()
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(strings.NewReader(list))
		for sc.Scan() {
			if strings.Contains(sc.Text(), " name="+name+" ") && !strings.Contains(sc.Text(), " ssub=0 ") {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// stallMaster returns the master holding stall id's position.
func stallMaster(t *testing.T, c *redistest.Cluster, prefix string, id uint64) *redistest.Node {
	t.Helper()
	ctx := context.Background()
	for _, m := range c.Masters() {
		cl := redis.NewClient(&redis.Options{Addr: m.Addr})
		keys, err := cl.Keys(ctx, prefix+"geo:*pos").Result()
		for _, k := range keys {
			if ok, _ := cl.HExists(ctx, k, itoa(id)).Result(); ok {
				_ = cl.Close()
				return m
			}
		}
		_ = cl.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("no master holds stall %d", id)
	return nil
}

// paidOrder places an order of one item at stall pid through in and pays
// for it through in's fake gateway; it returns the order id. It reports
// errors instead of failing, for use from a goroutine.
func paidOrder(in *instance, customer string, pid, itemID uint64, n int) (uint64, error) {
	do := func(path, body, key string, out any) error {
		req, _ := http.NewRequest("POST", in.base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+customer)
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if res.StatusCode/100 != 2 {
			return fmt.Errorf("%s: status %d", path, res.StatusCode)
		}
		return json.NewDecoder(res.Body).Decode(out)
	}
	var o orderJSON
	if err := do("/api/v1/orders", fmt.Sprintf(`{"pocha_id":%d,"items":[{"menu_item_id":%d,"quantity":1}]}`, pid, itemID), "", &o); err != nil {
		return 0, err
	}
	var checkout struct{ PaymentKey string }
	if err := do("/fake-pg/v1/fake/checkout", fmt.Sprintf(`{"orderId":%q,"amount":%d,"orderName":"주문 %d"}`, o.PaymentOrderID, o.Total, n), "", &checkout); err != nil {
		return 0, err
	}
	var paid orderJSON
	body := fmt.Sprintf(`{"order_id":%d,"payment_key":%q,"amount":%d}`, o.ID, checkout.PaymentKey, o.Total)
	if err := do("/api/v1/payments/confirm", body, fmt.Sprintf("failover-%d", o.ID), &paid); err != nil {
		return 0, err
	}
	return o.ID, nil
}

// TestRedisClusterFailover kills a Redis master (SIGKILL by pid) while a
// stall moves and orders flow, on a cluster of its own with two instances:
// API calls and the owner's moves go through A, the watcher and the
// owner's screen sit on B. A replica takes over; the watcher gets a fresh
// snapshot by itself and live moves again; every order paid meanwhile is in
// the database, and a screen that connects afterwards is handed each one.
func TestRedisClusterFailover(t *testing.T) {
	c, err := redistest.StartCluster(3, 1)
	if err != nil {
		redistest.Unavailable(t, err)
	}
	t.Cleanup(c.Stop)
	env := clusterEnv(t, c)
	env["ILLUWA_DEMO_MOVERS"] = "0"
	a := start(t, env, "--demo")
	envB := map[string]string{}
	for k, v := range env {
		envB[k] = v
	}
	envB["ILLUWA_REDIS_URL"] = c.URL() + "&client_name=illuwa-b"
	b := start(t, envB)

	owner := a.login("demo-owner-1", DemoPassword)
	customer := a.login("demo-customer", DemoPassword)
	var mine struct{ Items []struct{ ID uint64 } }
	a.call("GET", "/api/v1/pochas/mine", owner, nil, 200, &mine)
	pid := mine.Items[0].ID
	var menu struct{ Items []struct{ ID uint64 } }
	a.call("GET", "/api/v1/pochas/"+itoa(pid)+"/menu", customer, nil, 200, &menu)
	lat, lng := 37.5665, 126.9780
	a.call("POST", "/api/v1/pochas/"+itoa(pid)+"/open", owner, map[string]any{"lat": lat, "lng": lng}, 200, nil)

	watcher := dialWS(t, b, "")
	watcher.send(map[string]any{"type": "watch", "lat": lat, "lng": lng, "radius_m": 1000})
	watcher.next("snapshot", 5*time.Second)
	screen := dialWS(t, b, owner)
	mover := dialWS(t, a, owner)
	go func() { // the mover's errors during the failover are read and dropped
		for {
			if _, _, err := mover.conn.ReadMessage(); err != nil {
				return
			}
		}
	}()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var paid []uint64
	failed := 0
	wg.Add(2)
	go func() { // the stall keeps moving to and fro, about 3 m every 100 ms
		defer wg.Done()
		for i := 1; ; i++ {
			step := i % 400
			if step > 200 {
				step = 400 - step
			}
			msg := map[string]any{"type": "location", "pocha_id": pid, "lat": lat + float64(step)*0.00003, "lng": lng, "at": time.Now().UTC()}
			if mover.conn.WriteJSON(msg) != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	go func() { // orders keep coming, one every 150 ms
		defer wg.Done()
		for n := 1; ; n++ {
			id, err := paidOrder(a, customer, pid, menu.Items[0].ID, n)
			mu.Lock()
			if err == nil {
				paid = append(paid, id)
			} else {
				failed++
			}
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(150 * time.Millisecond):
			}
		}
	}()

	// Live before the failure.
	if ev := watcher.next("pocha.moved", 5*time.Second); ev.ID != pid {
		t.Fatalf("moved: %+v", ev)
	}
	// The victim: the master holding the stall's position, if B's watcher
	// subscribes there too (it nearly always does), so both the moves and
	// the fan-out lose their master.
	victims := subscribedMasters(t, c, "illuwa-b")
	if len(victims) == 0 {
		t.Fatal("instance B holds no sharded subscription on any master")
	}
	victim := victims[0]
	if m := stallMaster(t, c, env["ILLUWA_REDIS_PREFIX"], pid); slices.Contains(victims, m) {
		victim = m
	}
	killed := time.Now()
	if err := victim.Kill(); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed master %s", victim.Addr)

	// Healed: a fresh snapshot with the stall, then live moves again.
	for deadline := time.Now().Add(30 * time.Second); ; {
		if ev := watcher.next("snapshot", time.Until(deadline)); slices.ContainsFunc(ev.Pochas, func(p snapStall) bool { return p.ID == pid }) {
			break
		}
	}
	t.Logf("fresh snapshot %.1f s after the kill", time.Since(killed).Seconds())
	if ev := watcher.next("pocha.moved", 15*time.Second); ev.ID != pid {
		t.Fatalf("moved after the failover: %+v", ev)
	}
	if err := c.WaitHealthy(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // orders keep flowing on the healed cluster
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d orders paid, %d attempts failed during the failover", len(paid), failed)
	if len(paid) < 5 {
		t.Fatalf("only %d orders went through", len(paid))
	}
	// Every paid order is in the database, paid...
	var list struct {
		Items []orderJSON
	}
	a.call("GET", "/api/v1/orders?pocha_id="+itoa(pid)+"&limit=100", owner, nil, 200, &list)
	status := map[uint64]string{}
	for _, o := range list.Items {
		status[o.ID] = o.Status
	}
	for _, id := range paid {
		if status[id] != "paid" {
			t.Errorf("order %d is %q in the owner's list, want paid", id, status[id])
		}
	}
	// ...and reaches the owner's screens: pushed live to the one that was
	// open (a push lost with the master is a hint lost, nothing more), and
	// handed, unacknowledged, to every screen that connects.
	pushed := 0
	for want := map[uint64]bool{}; ; {
		screen.conn.SetReadDeadline(time.Now().Add(time.Second))
		_, data, err := screen.conn.ReadMessage()
		if err != nil {
			break
		}
		var m struct {
			Type  string
			Order orderJSON
		}
		if json.Unmarshal(data, &m) == nil && m.Type == "order.created" && !want[m.Order.ID] {
			want[m.Order.ID] = true
			pushed++
		}
	}
	late := dialWS(t, b, owner)
	got := map[uint64]bool{}
	for range paid {
		got[late.nextOrder("order.created", 10*time.Second).ID] = true
	}
	for _, id := range paid {
		if !got[id] {
			t.Errorf("order %d was not handed to a new screen", id)
		}
	}
	t.Logf("the open screen got %d of %d orders live; a new screen got all %d", pushed, len(paid), len(got))
}

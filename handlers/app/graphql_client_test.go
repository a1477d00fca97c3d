package app

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The independent GraphQL client: testdata/graphql-client/subscribe.mjs,
// the graphql-ws library under Node (installed by .ci/services.sh with npm ci).
var graphqlClientDir = filepath.Join("..", "..", "testdata", "graphql-client")

// nodeSubscription is one subscription of the Node client, read line by line.
type nodeSubscription struct {
	t     *testing.T
	lines chan nodeLine
	stdin io.WriteCloser
}

type nodeLine struct {
	Kind    string          `json:"kind"`
	Error   string          `json:"error"`
	Payload json.RawMessage `json:"payload"`
}

// nodeSubscribe starts the Node client on in's /api/v1/graphql with query
// and variables as token's user, and waits for the connection's ack. Without
// node or the installed client the test skips, or fails under CI=true.
func nodeSubscribe(t *testing.T, in *instance, token, query string, vars map[string]any) *nodeSubscription {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(graphqlClientDir, "node_modules", "graphql-ws", "package.json"))
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the Node GraphQL client cannot run (%v); .ci/services.sh installs it", err)
		}
		t.Skipf("the Node GraphQL client cannot run (%v); run `make services` (npm ci --prefix testdata/graphql-client)", err)
	}
	js, _ := json.Marshal(vars)
	cmd := exec.Command(node, "subscribe.mjs")
	cmd.Dir = graphqlClientDir
	cmd.Env = append(os.Environ(), "GQL_URL="+strings.Replace(in.base, "http://", "ws://", 1)+"/api/v1/graphql",
		"GQL_QUERY="+query, "GQL_VARIABLES="+string(js), "GQL_TOKEN="+token)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &nodeSubscription{t: t, lines: make(chan nodeLine, 64), stdin: stdin}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var l nodeLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				l = nodeLine{Kind: "error", Error: "unreadable line: " + sc.Text()}
			}
			s.lines <- l
		}
	}()
	t.Cleanup(func() {
		_ = stdin.Close() // the client unsubscribes and exits
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("node client: %v\n%s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("node client did not exit\n%s", stderr.String())
		}
	})
	if l := s.line(); l.Kind != "connected" {
		t.Fatalf("node client: %+v, want connected\n%s", l, stderr.String())
	}
	return s
}

// line is the client's next line; it fails the test after 15 s of silence
// (a deadline for a broken test, not a measure).
func (s *nodeSubscription) line() nodeLine {
	s.t.Helper()
	select {
	case l, ok := <-s.lines:
		if !ok {
			s.t.Fatal("node client ended")
		}
		return l
	case <-time.After(15 * time.Second):
		s.t.Fatal("node client said nothing for 15 s")
	}
	return nodeLine{}
}

// next decodes the data of the next result, which must have no errors.
func (s *nodeSubscription) next(v any) {
	s.t.Helper()
	l := s.line()
	var res struct {
		Data   json.RawMessage
		Errors []any
	}
	if l.Kind != "next" || json.Unmarshal(l.Payload, &res) != nil || len(res.Errors) > 0 {
		s.t.Fatalf("node client: %s %s %s, want a result", l.Kind, l.Error, l.Payload)
	}
	if err := json.Unmarshal(res.Data, v); err != nil {
		s.t.Fatal(err)
	}
}

type liveStallEvent struct {
	StallsNear struct {
		Type     string
		Snapshot []struct{ ID string }
		Stall    *struct {
			ID       string
			Lat, Lng float64
		}
	}
}

// TestGraphQLNodeClient: the graphql-ws client under Node watches the map
// around a demo stall while its owner moves it, out of the circle, back, and
// closes it; then follows a whole order at another stall through
// orderUpdated as its customer, and another customer is refused.
func TestGraphQLNodeClient(t *testing.T) {
	in := start(t, map[string]string{"ILLUWA_DEMO_MOVERS": "0", "ILLUWA_MAX_SPEED_KMH": "2000"}, "--demo")
	owner := in.login("demo-owner-1", DemoPassword)
	customer := in.login("demo-customer", DemoPassword)
	var mine struct {
		Items []struct {
			ID       uint64
			IsOpen   bool `json:"is_open"`
			Location *struct{ Lat, Lng float64 }
		}
	}
	in.call("GET", "/api/v1/pochas/mine", owner, nil, 200, &mine)
	if len(mine.Items) < 2 || !mine.Items[0].IsOpen || mine.Items[0].Location == nil || !mine.Items[1].IsOpen {
		t.Fatalf("demo owner has not two open stalls on the map: %+v", mine)
	}
	stall, at := mine.Items[0], mine.Items[0].Location
	id := itoa(stall.ID)

	t.Run("stallsNear", func(t *testing.T) {
		w := nodeSubscribe(t, in, "", `subscription($lat: Float!, $lng: Float!) {
			stallsNear(lat: $lat, lng: $lng, radiusM: 300) { type snapshot { id } stall { id lat lng } } }`,
			map[string]any{"lat": at.Lat, "lng": at.Lng})
		var ev liveStallEvent
		w.next(&ev)
		found := false
		for _, s := range ev.StallsNear.Snapshot {
			found = found || s.ID == id
		}
		if ev.StallsNear.Type != "SNAPSHOT" || !found {
			t.Fatalf("first event %+v, want a SNAPSHOT with stall %s", ev, id)
		}
		// nextOf skips events of the other demo stalls at the same spot.
		nextOf := func() liveStallEvent {
			for {
				var ev liveStallEvent
				w.next(&ev)
				if ev.StallsNear.Stall != nil && ev.StallsNear.Stall.ID == id {
					return ev
				}
			}
		}
		when := time.Now().UTC()
		move := func(lat, lng float64, after time.Duration) {
			in.call("POST", "/api/v1/pochas/"+id+"/location", owner,
				map[string]any{"lat": lat, "lng": lng, "at": when.Add(after)}, 204, nil)
		}
		move(at.Lat+0.0002, at.Lng, time.Second)
		if ev := nextOf(); ev.StallsNear.Type != "MOVED" || ev.StallsNear.Stall.Lat != at.Lat+0.0002 {
			t.Fatalf("after a move: %+v, want MOVED to %v", ev, at.Lat+0.0002)
		}
		move(at.Lat+0.01, at.Lng, 5*time.Second) // about 1.1 km north: out of the circle
		if ev := nextOf(); ev.StallsNear.Type != "LEFT" {
			t.Fatalf("after moving out: %+v, want LEFT", ev)
		}
		move(at.Lat, at.Lng, 9*time.Second)
		if ev := nextOf(); ev.StallsNear.Type != "MOVED" || ev.StallsNear.Stall.Lat != at.Lat {
			t.Fatalf("after moving back: %+v, want MOVED", ev)
		}
		in.call("POST", "/api/v1/pochas/"+id+"/close", owner, nil, 200, nil)
		if ev := nextOf(); ev.StallsNear.Type != "CLOSED" {
			t.Fatalf("after closing: %+v, want CLOSED", ev)
		}
	})

	t.Run("orderUpdated", func(t *testing.T) {
		o := paidDemoOrder(t, in, customer, mine.Items[1].ID) // the first one is closed now
		c := nodeSubscribe(t, in, customer, `subscription($id: ID!) { orderUpdated(id: $id) { id status total } }`,
			map[string]any{"id": itoa(o.ID)})
		type update struct {
			OrderUpdated struct {
				ID, Status string
				Total      int64
			}
		}
		var up update
		c.next(&up)
		if up.OrderUpdated.ID != itoa(o.ID) || up.OrderUpdated.Status != "PAID" || up.OrderUpdated.Total != o.Total {
			t.Fatalf("first orderUpdated %+v, want the paid order %d", up, o.ID)
		}
		// Another customer's client is refused: the order is not theirs.
		other := in.account("gql-node-other", "customer")
		if l := nodeSubscribeRaw(t, in, other, o.ID); !strings.Contains(l.Error+string(l.Payload), `"not_found"`) || strings.Contains(string(l.Payload), `"status":"PAID"`) {
			t.Errorf("another customer's orderUpdated: %s %s %s, want a not_found error", l.Kind, l.Error, l.Payload)
		}
		for _, st := range []struct {
			path string
			body any
			want string
		}{
			{"/accept", map[string]any{"ready_in_minutes": 10}, "ACCEPTED"},
			{"/ready", nil, "READY"},
			{"/complete", nil, "COMPLETED"},
		} {
			in.call("POST", "/api/v1/orders/"+itoa(o.ID)+st.path, owner, st.body, 200, nil)
			c.next(&up)
			if up.OrderUpdated.Status != st.want {
				t.Fatalf("after %s: %+v, want %s", st.path, up, st.want)
			}
		}
	})
}

// nodeSubscribeRaw subscribes another user to orderUpdated of order id and
// returns the client's first line after the connection.
func nodeSubscribeRaw(t *testing.T, in *instance, token string, id uint64) nodeLine {
	t.Helper()
	s := nodeSubscribe(t, in, token, `subscription($id: ID!) { orderUpdated(id: $id) { id } }`, map[string]any{"id": itoa(id)})
	return s.line()
}

// paidDemoOrder places an order of the first menu item not sold out
// at the stall and pays it through the built-in fake gateway.
func paidDemoOrder(t *testing.T, in *instance, customer string, pochaID uint64) orderJSON {
	t.Helper()
	var menu struct {
		Items []struct {
			ID      uint64
			SoldOut bool `json:"sold_out"`
		}
	}
	in.call("GET", "/api/v1/pochas/"+itoa(pochaID)+"/menu", customer, nil, 200, &menu)
	i := 0
	for i < len(menu.Items) && menu.Items[i].SoldOut {
		i++
	}
	if i == len(menu.Items) {
		t.Fatal("the demo stall has nothing on its menu to order")
	}
	var o orderJSON
	in.call("POST", "/api/v1/orders", customer, map[string]any{"pocha_id": pochaID,
		"items": []map[string]any{{"menu_item_id": menu.Items[i].ID, "quantity": 1}}}, 201, &o)
	var checkout struct{ PaymentKey string }
	in.call("POST", "/fake-pg/v1/fake/checkout", "", map[string]any{"orderId": o.PaymentOrderID, "amount": o.Total, "orderName": "주문"}, 200, &checkout)
	req, _ := http.NewRequest("POST", in.base+"/api/v1/payments/confirm", strings.NewReader(
		`{"order_id":`+itoa(o.ID)+`,"payment_key":"`+checkout.PaymentKey+`","amount":`+itoa(uint64(o.Total))+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+customer)
	req.Header.Set("Idempotency-Key", "gql-node-"+itoa(o.ID))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	return o
}

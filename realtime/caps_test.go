package realtime

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// dialRefused opens a connection the hub must refuse for too many
// connections, and returns the limit it names.
func (e *testEnv) dialRefused(t *testing.T, query string) string {
	t.Helper()
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws?" + query
	ws, res, err := websocket.DefaultDialer.Dial(u, nil)
	if err == nil {
		_ = ws.Close()
		t.Fatalf("%s: connected past the cap", query)
	}
	if res == nil || res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("%s: %v (response %v), want 429 with Retry-After", query, err, res)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var body struct{ Code, Limit, Message string }
	if err := json.Unmarshal(b, &body); err != nil || body.Code != CodeTooManyConnections || body.Message == "" {
		t.Fatalf("%s: refusal body %s (%v)", query, b, err)
	}
	return body.Limit
}

// TestConnectionCaps: one user, one address or the whole instance cannot
// hold more connections than configured; a refusal says which limit, is
// counted, and a closed connection frees its place.
func TestConnectionCaps(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, Options{MaxConnsPerUser: 2, MaxConnsPerAddr: 3, MaxConns: 5, Registerer: reg}, nil, nil)
	first := e.dial(t, "user=7&addr=10.0.0.1")
	e.dial(t, "user=7&addr=10.0.0.2")
	if got := e.dialRefused(t, "user=7&addr=10.0.0.3"); got != "user" {
		t.Fatalf("third connection of one user refused by %q, want user", got)
	}
	_ = first.ws.Close()
	waitFor(t, "the closed connection's place", func() bool { return e.hub.connCount() == 1 })
	e.dial(t, "user=7&addr=10.0.0.3")

	for range 3 {
		e.dial(t, "addr=10.9.9.9")
	}
	if got := e.dialRefused(t, "addr=10.9.9.9"); got != "address" {
		t.Fatalf("fourth anonymous connection of one address refused by %q, want address", got)
	}
	if got := e.dialRefused(t, "addr=10.1.1.1"); got != "instance" {
		t.Fatalf("sixth connection of the instance refused by %q, want instance", got)
	}

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "illuwa_ws_connections_refused_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			refused[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	if refused["user"] != 1 || refused["address"] != 1 || refused["instance"] != 1 {
		t.Fatalf("refusals counted %v, want one of each", refused)
	}
}

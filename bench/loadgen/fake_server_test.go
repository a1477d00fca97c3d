package loadgen

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeServer speaks enough of Illuwa's HTTP API and WebSocket protocol
// for a load run, and counts what it did so that a test can compare the
// generator's report with the truth. It rejects every rejectEvery-th
// location of each stall with "stale_time", and never delivers the moves
// of dropStall to anyone.
type fakeServer struct {
	t           *testing.T
	srv         *httptest.Server
	rejectEvery int
	dropStall   uint64
	extraM      float64 // also deliver to watchers up to this far outside their circle
	maxSpeedMS  float64

	mu       sync.Mutex
	owners   map[string]uint64 // token → user id
	nextUser uint64
	stalls   map[uint64]*fakeStall
	nextID   uint64
	watchers map[*fakeConn]*fakeWatch
	conns    map[*fakeConn]bool

	// truth
	locations, accepted, rejected, tooFast int64
	expectedPairs, droppedExpected         int64 // pairs at most radius − 1 m away
	movedSent                              int64 // pocha.moved written for accepted moves
	extraSent                              int64 // of those, to watchers more than 1 m outside
}

type fakeStall struct {
	owner   uint64
	pos     Point
	at      time.Time
	open    bool
	updates int
}

type fakeWatch struct {
	centre  Point
	radiusM float64
}

type fakeConn struct {
	c    *websocket.Conn
	wmu  sync.Mutex
	user uint64
}

func (c *fakeConn) write(v any) {
	b, _ := json.Marshal(v)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.c.WriteMessage(websocket.TextMessage, b)
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, rejectEvery: 7, maxSpeedMS: 120 / 3.6,
		owners: map[string]uint64{}, stalls: map[uint64]*fakeStall{},
		watchers: map[*fakeConn]*fakeWatch{}, conns: map[*fakeConn]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/auth/signup", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{}`))
	})
	mux.HandleFunc("POST /api/v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		var req loginRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		tok := "tok-" + req.LoginID
		if f.owners[tok] == 0 {
			f.nextUser++
			f.owners[tok] = f.nextUser
		}
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"token": tok, "user": map[string]any{}})
	})
	mux.HandleFunc("POST /api/v1/pochas", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		user, ok := f.owners[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		f.nextID++
		f.stalls[f.nextID] = &fakeStall{owner: user}
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, `{"id":%d}`, f.nextID)
	})
	mux.HandleFunc("POST /api/v1/pochas/{id}/open", func(w http.ResponseWriter, r *http.Request) {
		var p Point
		_ = json.NewDecoder(r.Body).Decode(&p)
		id, _ := strconv.ParseUint(r.PathValue("id"), 10, 64)
		f.mu.Lock()
		defer f.mu.Unlock()
		s := f.stalls[id]
		if s == nil || s.owner != f.owners[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] {
			http.Error(w, "no", http.StatusNotFound)
			return
		}
		s.open, s.pos, s.at = true, p, time.Now()
		_, _ = w.Write([]byte(`{}`))
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		fmt.Fprintf(w, "# HELP go_goroutines x\n# TYPE go_goroutines gauge\ngo_goroutines 10\n")
		fmt.Fprintf(w, "go_memstats_heap_inuse_bytes %d\n", 1000000+len(f.conns)*5000)
		fmt.Fprintf(w, "go_memstats_stack_inuse_bytes %d\n", 500000+len(f.conns)*3000)
		fmt.Fprintf(w, "process_resident_memory_bytes 2e+07\n")
		fmt.Fprintf(w, "illuwa_ws_connections %d\n", len(f.conns))
		fmt.Fprintf(w, "illuwa_location_updates_total{result=\"accepted\"} %d\n", f.accepted)
		fmt.Fprintf(w, "illuwa_location_updates_total{result=\"stale_time\"} %d\n", f.rejected)
	})
	mux.HandleFunc("GET /api/v1/pochas/nearby", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		lat, _ := strconv.ParseFloat(q.Get("lat"), 64)
		lng, _ := strconv.ParseFloat(q.Get("lng"), 64)
		rad, _ := strconv.ParseFloat(q.Get("radius_m"), 64)
		_ = json.NewEncoder(w).Encode(map[string]any{"items": f.inCircle(Point{lat, lng}, rad)})
	})
	mux.HandleFunc("GET /ws", f.serveWS)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

type fakeItem struct {
	ID        uint64    `json:"id"`
	Lat       float64   `json:"lat"`
	Lng       float64   `json:"lng"`
	At        time.Time `json:"at"`
	DistanceM float64   `json:"distance_m"`
}

func (f *fakeServer) inCircle(c Point, r float64) []fakeItem {
	f.mu.Lock()
	defer f.mu.Unlock()
	items := []fakeItem{}
	for id, s := range f.stalls {
		if d := DistanceM(c, s.pos); s.open && d <= r {
			items = append(items, fakeItem{ID: id, Lat: s.pos.Lat, Lng: s.pos.Lng, At: s.at, DistanceM: d})
		}
	}
	return items
}

func (f *fakeServer) serveWS(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	f.mu.Lock()
	fc := &fakeConn{c: c, user: f.owners[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]}
	f.conns[fc] = true
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.conns, fc)
		delete(f.watchers, fc)
		f.mu.Unlock()
		c.Close()
	}()
	fc.write(map[string]any{"type": "hello", "user_id": fc.user, "server_time": time.Now().UTC()})
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		var m struct {
			Type    string    `json:"type"`
			Ref     string    `json:"ref"`
			Lat     float64   `json:"lat"`
			Lng     float64   `json:"lng"`
			RadiusM float64   `json:"radius_m"`
			PochaID uint64    `json:"pocha_id"`
			At      time.Time `json:"at"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			f.t.Errorf("fake server: bad message %q", data)
			return
		}
		switch m.Type {
		case "watch":
			items := f.inCircle(Point{m.Lat, m.Lng}, m.RadiusM)
			f.mu.Lock()
			f.watchers[fc] = &fakeWatch{centre: Point{m.Lat, m.Lng}, radiusM: m.RadiusM}
			f.mu.Unlock()
			fc.write(map[string]any{"type": "snapshot", "ref": m.Ref, "pochas": items, "server_time": time.Now().UTC()})
		case "location":
			f.location(fc, m.Ref, m.PochaID, Point{m.Lat, m.Lng}, m.At)
		}
	}
}

func (f *fakeServer) location(fc *fakeConn, ref string, id uint64, p Point, at time.Time) {
	f.mu.Lock()
	f.locations++
	s := f.stalls[id]
	code := ""
	switch {
	case s == nil || s.owner != fc.user || !s.open:
		code = "forbidden"
	case !at.After(s.at) || at.After(time.Now()):
		code = "stale_time"
	case DistanceM(s.pos, p) > f.maxSpeedMS*at.Sub(s.at).Seconds() || DistanceM(s.pos, p) > MaxStepM:
		code = "too_fast"
		f.tooFast++
	}
	if code == "" {
		s.updates++
		if s.updates%f.rejectEvery == 0 {
			code = "stale_time"
		}
	}
	if code != "" {
		if code == "stale_time" {
			f.rejected++
		}
		f.mu.Unlock()
		fc.write(map[string]any{"type": "error", "code": code, "message": "no", "ref": ref, "server_time": time.Now().UTC()})
		return
	}
	f.accepted++
	s.pos, s.at = p, at
	var targets []*fakeConn
	for c, w := range f.watchers {
		d := DistanceM(w.centre, p)
		if d > w.radiusM+f.extraM {
			continue
		}
		if d > w.radiusM {
			if id != f.dropStall {
				f.movedSent++
				if d > w.radiusM+boundaryM {
					f.extraSent++
				}
				targets = append(targets, c)
			}
			continue
		}
		if d <= w.radiusM-boundaryM {
			f.expectedPairs++
		}
		if id == f.dropStall {
			if d <= w.radiusM-boundaryM {
				f.droppedExpected++
			}
			continue
		}
		f.movedSent++
		targets = append(targets, c)
	}
	f.mu.Unlock()
	msg := map[string]any{"type": "pocha.moved", "id": id, "name": "x", "lat": p.Lat, "lng": p.Lng, "at": at, "server_time": time.Now().UTC()}
	for _, c := range targets {
		c.write(msg)
	}
}

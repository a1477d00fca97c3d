package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// instance is a running illuwa serve started through Run.
type instance struct {
	t       *testing.T
	dbURL   string // the database the instance uses, for what only an admin can do
	base    string
	metrics string // the metrics listener's base URL
	out     *syncBuffer
	// stop ends the instance (waiting for it); the test's end calls it too.
	stop func()
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs `illuwa serve` on 127.0.0.1:0 with env on top of a fresh data
// dir, waits until /healthz answers, and stops it when the test ends.
func start(t *testing.T, env map[string]string, args ...string) *instance {
	t.Helper()
	return startCtx(t, context.Background(), env, args...)
}

// startCtx is start with Run's context derived from base (which may carry
// testKnobs).
func startCtx(t *testing.T, base context.Context, env map[string]string, args ...string) *instance {
	t.Helper()
	vars := map[string]string{"ILLUWA_ADDR": "127.0.0.1:0", "ILLUWA_DATA_DIR": t.TempDir(), "ILLUWA_LOG_LEVEL": "debug",
		"ILLUWA_METRICS_ADDR": "127.0.0.1:0"}
	for k, v := range env {
		vars[k] = v
	}
	getenv := func(k string) string { return vars[k] }
	ctx, cancel := context.WithCancel(base)
	pr, pw := io.Pipe()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, append([]string{"serve"}, args...), getenv, pw, io.Discard)
		pw.Close()
	}()
	addr := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			out.Write(append(line, '\n'))
			var rec struct {
				Msg, Addr   string
				MetricsAddr string `json:"metrics_addr"`
			}
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
				addr <- [2]string{rec.Addr, rec.MetricsAddr}
			}
		}
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve returned %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop within 30 s")
			}
			if t.Failed() {
				t.Logf("server output:\n%s", out.String())
			}
		})
	}
	t.Cleanup(stop)
	select {
	case a := <-addr:
		dbURL := vars["ILLUWA_DATABASE_URL"]
		if dbURL == "" {
			dbURL = "sqlite://" + vars["ILLUWA_DATA_DIR"] + "/illuwa.db"
		}
		in := &instance{t: t, dbURL: dbURL, base: "http://" + a[0], metrics: "http://" + a[1], out: out, stop: stop}
		in.waitHealthy()
		return in
	case err := <-done:
		t.Fatalf("serve exited early: %v\n%s", err, out.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start:\n%s", out.String())
	}
	return nil
}

func (in *instance) waitHealthy() {
	for i := 0; i < 100; i++ {
		if res, err := http.Get(in.base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	in.t.Fatal("healthz never answered")
}

// call sends a JSON request and decodes a JSON answer into out (if non-nil).
func (in *instance) call(method, path, token string, body any, want int, out any) []byte {
	in.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case *multipartBody:
		rd, ct = &b.buf, b.contentType
	default:
		js, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(js), "application/json"
	}
	req, _ := http.NewRequest(method, in.base+path, rd)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		in.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			in.t.Fatalf("%s %s: decode: %v: %s", method, path, err, data)
		}
	}
	return data
}

func (in *instance) account(login, role string) string {
	in.t.Helper()
	in.call("POST", "/api/v1/auth/signup", "", map[string]any{"login_id": login, "password": "pocha-pass-1",
		"nickname": login, "email": login + "@example.com", "phone": "010-5555-0000", "role": role}, 201, nil)
	var res struct {
		Token string
		User  struct{ ID uint64 }
	}
	in.call("POST", "/api/v1/auth/login", "", map[string]any{"login_id": login, "password": "pocha-pass-1"}, 200, &res)
	if role == store.RoleOwner {
		in.approve(res.User.ID)
	}
	return res.Token
}

// approve records an admin's approval of the owner straight in the database.
func (in *instance) approve(ownerID uint64) {
	in.t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, in.dbURL)
	if err != nil {
		in.t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.SetApproval(ctx, ownerID, store.ApprovalApproved, ""); err != nil {
		in.t.Fatal(err)
	}
}

type multipartBody struct {
	buf         bytes.Buffer
	contentType string
}

func pngUpload(t *testing.T) *multipartBody {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := 0; x < 32; x++ {
		img.Set(x, x%24, color.RGBA{200, 30, 30, 255})
	}
	var pic bytes.Buffer
	if err := png.Encode(&pic, img); err != nil {
		t.Fatal(err)
	}
	mb := &multipartBody{}
	w := multipart.NewWriter(&mb.buf)
	fw, _ := w.CreateFormFile("file", "stall.png")
	fw.Write(pic.Bytes())
	w.Close()
	mb.contentType = w.FormDataContentType()
	return mb
}

// TestEndToEnd drives the real program as its users would, on SQLite and on MariaDB.
func TestEndToEnd(t *testing.T) {
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			in := start(t, map[string]string{"ILLUWA_DATABASE_URL": storetest.URL(t, kind)})
			var ready struct{ Status string }
			in.call("GET", "/readyz", "", nil, 200, &ready)
			if ready.Status != "ready" {
				t.Fatalf("readyz: %+v", ready)
			}
			owner := in.account("owner1", "owner")
			customer := in.account("customer1", "customer")

			var img struct{ ID, URL string }
			in.call("POST", "/api/v1/images", owner, pngUpload(t), 201, &img)
			var p struct {
				ID          uint64
				Name        string
				MainImageID *string `json:"main_image_id"`
			}
			in.call("POST", "/api/v1/pochas", owner, map[string]any{"name": "을지로 포차", "main_image_id": img.ID,
				"hours": map[string]any{"fri": []map[string]string{{"open": "18:00", "close": "02:00"}}}}, 201, &p)
			in.call("POST", "/api/v1/pochas/"+itoa(p.ID)+"/menu", owner, map[string]any{"name": "떡볶이", "price": 4000}, 201, nil)
			in.call("POST", "/api/v1/pochas", customer, map[string]any{"name": "nope"}, 403, nil)

			var got struct {
				Name        string
				MainImageID *string `json:"main_image_id"`
			}
			in.call("GET", "/api/v1/pochas/"+itoa(p.ID), customer, nil, 200, &got)
			if got.Name != "을지로 포차" || got.MainImageID == nil || *got.MainImageID != img.ID {
				t.Fatalf("stall read back: %+v", got)
			}
			var menu struct {
				Items []struct {
					Name  string
					Price int64
				}
			}
			in.call("GET", "/api/v1/pochas/"+itoa(p.ID)+"/menu", customer, nil, 200, &menu)
			if len(menu.Items) != 1 || menu.Items[0].Price != 4000 {
				t.Fatalf("menu: %+v", menu)
			}
			res, err := http.Get(in.base + img.URL)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || res.Header.Get("ETag") == "" {
				t.Fatalf("image: %d %v", res.StatusCode, res.Header)
			}
			// Browsers may open the WebSocket with the session cookie set at login.
			res2, err := http.Post(in.base+"/api/v1/auth/login", "application/json",
				strings.NewReader(`{"login_id":"owner1","password":"pocha-pass-1"}`))
			if err != nil {
				t.Fatal(err)
			}
			res2.Body.Close()
			var cookie *http.Cookie
			for _, ck := range res2.Cookies() {
				if ck.Name == "illuwa_session" && ck.HttpOnly && ck.SameSite == http.SameSiteStrictMode {
					cookie = ck
				}
			}
			if cookie == nil {
				t.Fatalf("login set no HttpOnly, SameSite=Strict session cookie: %v", res2.Header["Set-Cookie"])
			}
			cws, _, err := websocket.DefaultDialer.Dial(strings.Replace(in.base, "http://", "ws://", 1)+"/ws",
				http.Header{"Cookie": {cookie.String()}})
			if err != nil {
				t.Fatal(err)
			}
			var hello struct {
				Type string
				Role string
			}
			if err := cws.ReadJSON(&hello); err != nil || hello.Type != "hello" || hello.Role != "owner" {
				t.Fatalf("hello over the cookie: %+v %v", hello, err)
			}
			cws.Close()

			// Logout revokes the token at once, open WebSockets included.
			ws := dialWS(t, in, customer)
			in.call("POST", "/api/v1/auth/logout", customer, nil, 204, nil)
			in.call("GET", "/api/v1/me", customer, nil, 401, nil)
			ws.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			for {
				_, _, err := ws.conn.ReadMessage()
				if err == nil {
					continue
				}
				if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
					t.Fatalf("the logged-out socket ended with %v, want close 1008", err)
				}
				break
			}
			u := strings.Replace(in.base, "http://", "ws://", 1) + "/ws?token=" + customer
			if _, res, err := websocket.DefaultDialer.Dial(u, nil); err == nil || res == nil || res.StatusCode != 401 {
				t.Fatalf("a revoked token opened a WebSocket: %v %v", err, res)
			}
			// The web app is served beside the API.
			page := in.call("GET", "/", "", nil, 200, nil)
			if !strings.Contains(string(page), "<html") {
				t.Fatalf("no web page at /: %.200s", page)
			}
		})
	}
}

// wsClient is a test WebSocket client.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialWS(t *testing.T, in *instance, token string) *wsClient {
	t.Helper()
	u := strings.Replace(in.base, "http://", "ws://", 1) + "/ws"
	if token != "" {
		u += "?token=" + token
	}
	c, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	w := &wsClient{t: t, conn: c}
	w.next("hello", 5*time.Second)
	return w
}

type event struct {
	Type   string
	ID     uint64
	Lat    float64
	Lng    float64
	Code   string
	Reason string
	Pochas []snapStall
}

// snapStall is a stall of a snapshot.
type snapStall struct {
	ID          uint64
	Category    string
	OpenByHours *bool `json:"open_by_hours"`
}

// next reads messages until one of type typ arrives.
func (w *wsClient) next(typ string, within time.Duration) event {
	w.t.Helper()
	deadline := time.Now().Add(within)
	for {
		w.conn.SetReadDeadline(deadline)
		_, data, err := w.conn.ReadMessage()
		if err != nil {
			w.t.Fatalf("waiting for %s: %v", typ, err)
		}
		var ev event
		if err := json.Unmarshal(data, &ev); err != nil {
			w.t.Fatal(err)
		}
		if ev.Type == typ {
			return ev
		}
	}
}

func (w *wsClient) send(v any) {
	w.t.Helper()
	if err := w.conn.WriteJSON(v); err != nil {
		w.t.Fatal(err)
	}
}

// testRedisURL is the Redis the tests use; unreachable, the test skips (or
// fails under CI=true).
func testRedisURL(t *testing.T) string {
	t.Helper()
	redisURL := os.Getenv("ILLUWA_TEST_REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		storetest.Unavailable(t, "Redis", err)
	}
	return redisURL
}

// redisEnv is the environment of instances sharing one MariaDB and one Redis
// under a fresh key prefix, removed when the test ends.
func redisEnv(t *testing.T) map[string]string {
	redisURL := testRedisURL(t)
	prefix := "illuwa-test-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "") + ":"
	t.Cleanup(func() {
		opt, _ := redis.ParseURL(redisURL)
		rdb := redis.NewClient(opt)
		defer rdb.Close()
		ctx := context.Background()
		if keys, _ := rdb.Keys(ctx, prefix+"*").Result(); len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	return map[string]string{"ILLUWA_DATABASE_URL": storetest.URL(t, store.MySQL), "ILLUWA_REDIS_URL": redisURL,
		"ILLUWA_REDIS_PREFIX": prefix, "ILLUWA_MAX_SPEED_KMH": "2000"}
}

// TestLiveMap drives the live map over real WebSockets on the memory backend
// (one instance) and on Redis (two instances on one MariaDB and one Redis: a
// watcher on the first sees, within a second, a stall that opens and moves
// through the second).
func TestLiveMap(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		in := start(t, map[string]string{"ILLUWA_MAX_SPEED_KMH": "2000"})
		liveScenario(t, in, in)
	})
	t.Run("redis", func(t *testing.T) {
		env := redisEnv(t)
		liveScenario(t, start(t, env), start(t, env))
	})
}

func liveScenario(t *testing.T, a, b *instance) {
	watcher := dialWS(t, a, "")
	watcher.send(map[string]any{"type": "watch", "lat": 37.5665, "lng": 126.9780, "radius_m": 1000})
	if snap := watcher.next("snapshot", 5*time.Second); len(snap.Pochas) != 0 {
		t.Fatalf("snapshot not empty: %+v", snap)
	}
	owner := b.account("owner2", "owner")
	intruder := b.account("owner5", "owner")
	var p struct{ ID uint64 }
	b.call("POST", "/api/v1/pochas", owner, map[string]any{"name": "시청 포차"}, 201, &p)
	b.call("POST", "/api/v1/pochas/"+itoa(p.ID)+"/open", owner, map[string]any{"lat": 37.5670, "lng": 126.9785}, 200, nil)
	if ev := watcher.next("pocha.opened", time.Second); ev.ID != p.ID {
		t.Fatalf("opened: %+v", ev)
	}
	// The owner moves over b's WebSocket; the watcher on a sees it.
	ows := dialWS(t, b, owner)
	at := time.Now().UTC().Add(5 * time.Second)
	ows.send(map[string]any{"type": "location", "pocha_id": p.ID, "lat": 37.5672, "lng": 126.9787, "at": at})
	if ev := watcher.next("pocha.moved", time.Second); ev.ID != p.ID || ev.Lat != 37.5672 {
		t.Fatalf("moved: %+v", ev)
	}
	// Bad messages get an error and the connection stays open.
	for _, bad := range []struct {
		msg  map[string]any
		code string
	}{
		{map[string]any{"type": "location", "pocha_id": p.ID, "lat": 91, "lng": 126.9787, "at": at.Add(time.Second)}, "invalid_location"},
		{map[string]any{"type": "location", "pocha_id": p.ID, "lat": 37.5672, "lng": 126.9787, "at": at}, "stale_time"},
		{map[string]any{"type": "location", "pocha_id": p.ID, "lat": 37.5672, "lng": 126.9787, "at": at.Add(time.Hour)}, "stale_time"},
		{map[string]any{"type": "location", "pocha_id": p.ID, "lat": 35.1, "lng": 129.0, "at": at.Add(2 * time.Second)}, "too_fast"},
		{map[string]any{"type": "location", "pocha_id": p.ID, "lat": "north", "lng": 126.9787, "at": at.Add(time.Second)}, "invalid_message"},
		{map[string]any{"type": "teleport"}, "invalid_message"},
	} {
		ows.send(bad.msg)
		if ev := ows.next("error", 2*time.Second); ev.Code != bad.code {
			t.Fatalf("%v: error %+v, want %s", bad.msg, ev, bad.code)
		}
	}
	// Another owner cannot move this stall.
	iws := dialWS(t, b, intruder)
	iws.send(map[string]any{"type": "location", "pocha_id": p.ID, "lat": 37.5673, "lng": 126.9787, "at": at.Add(time.Second)})
	if ev := iws.next("error", 2*time.Second); ev.Code != "forbidden" {
		t.Fatalf("intruder: %+v", ev)
	}
	// Moving out of the watched circle: the watcher is told it left.
	ows.send(map[string]any{"type": "location", "pocha_id": p.ID, "lat": 37.5672, "lng": 126.9787 + 0.013, "at": at.Add(10 * time.Second)})
	if ev := watcher.next("pocha.left", time.Second); ev.ID != p.ID {
		t.Fatalf("left: %+v", ev)
	}
	// Over HTTP too: back inside, then closed.
	b.call("POST", "/api/v1/pochas/"+itoa(p.ID)+"/location", owner, map[string]any{"lat": 37.5672, "lng": 126.9787, "at": at.Add(20 * time.Second)}, 204, nil)
	if ev := watcher.next("pocha.moved", time.Second); ev.ID != p.ID {
		t.Fatalf("moved back: %+v", ev)
	}
	var near struct{ Items []struct{ ID uint64 } }
	a.call("GET", "/api/v1/pochas/nearby?lat=37.5665&lng=126.9780&radius_m=1000", "", nil, 200, &near)
	if len(near.Items) != 1 || near.Items[0].ID != p.ID {
		t.Fatalf("nearby: %+v", near)
	}
	b.call("POST", "/api/v1/pochas/"+itoa(p.ID)+"/close", owner, nil, 200, nil)
	if ev := watcher.next("pocha.closed", time.Second); ev.ID != p.ID || ev.Reason != "closed" {
		t.Fatalf("closed: %+v", ev)
	}
	a.call("GET", "/api/v1/pochas/nearby?lat=37.5665&lng=126.9780&radius_m=1000", "", nil, 200, &near)
	if len(near.Items) != 0 {
		t.Fatalf("closed stall still nearby: %+v", near)
	}
	for _, q := range []string{"lat=NaN&lng=126.9", "lat=37.5&lng=200", "lat=37.5&lng=126.9&radius_m=50000", "lng=126.9", "lat=abc&lng=1"} {
		a.call("GET", "/api/v1/pochas/nearby?"+q, "", nil, 422, nil)
	}
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestStallExpires: a stall whose owner stops sending drops off the map after
// the TTL, and its watchers are told.
func TestStallExpires(t *testing.T) {
	t.Run("memory", func(t *testing.T) { stallExpires(t, start(t, map[string]string{"ILLUWA_LOCATION_TTL": "1s"})) })
	t.Run("redis", func(t *testing.T) {
		env := redisEnv(t)
		env["ILLUWA_LOCATION_TTL"] = "1s"
		stallExpires(t, start(t, env))
	})
}

func stallExpires(t *testing.T, in *instance) {
	owner := in.account("owner3", "owner")
	var p struct{ ID uint64 }
	in.call("POST", "/api/v1/pochas", owner, map[string]any{"name": "잠든 포차"}, 201, &p)
	in.call("POST", "/api/v1/pochas/"+itoa(p.ID)+"/open", owner, map[string]any{"lat": 37.5, "lng": 127.0}, 200, nil)
	w := dialWS(t, in, "")
	w.send(map[string]any{"type": "watch", "lat": 37.5, "lng": 127.0, "radius_m": 500})
	if snap := w.next("snapshot", 5*time.Second); len(snap.Pochas) != 1 {
		t.Fatalf("snapshot: %+v", snap)
	}
	if ev := w.next("pocha.closed", 10*time.Second); ev.ID != p.ID || ev.Reason != "expired" {
		t.Fatalf("closed: %+v", ev)
	}
	var got struct {
		IsOpen bool `json:"is_open"`
	}
	in.call("GET", "/api/v1/pochas/"+itoa(p.ID), "", nil, 200, &got)
	if got.IsOpen {
		t.Fatal("an expired stall is still open")
	}
}

// TestRedisOutageHeals kills the instance's Redis connections for a few
// seconds: the instance keeps serving, and afterwards its watchers get a
// fresh snapshot and live moves again.
func TestRedisOutageHeals(t *testing.T) {
	redisURL := testRedisURL(t)
	opt, _ := redis.ParseURL(redisURL)
	admin := redis.NewClient(opt)
	defer admin.Close()
	ctx := context.Background()
	env := redisEnv(t)
	delete(env, "ILLUWA_DATABASE_URL")
	prefix := env["ILLUWA_REDIS_PREFIX"]
	in := start(t, env)
	owner := in.account("owner4", "owner")
	var p struct{ ID uint64 }
	in.call("POST", "/api/v1/pochas", owner, map[string]any{"name": "끈질긴 포차"}, 201, &p)
	in.call("POST", "/api/v1/pochas/"+itoa(p.ID)+"/open", owner, map[string]any{"lat": 37.55, "lng": 126.92}, 200, nil)
	w := dialWS(t, in, "")
	w.send(map[string]any{"type": "watch", "lat": 37.55, "lng": 126.92, "radius_m": 1000})
	w.next("snapshot", 5*time.Second)

	// The outage: kill every connection of this instance for three seconds.
	name := redisClientName(prefix)
	killed := 0
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		list, err := admin.ClientList(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(list, "\n") {
			if strings.Contains(line, " name="+name+" ") {
				id := strings.TrimPrefix(strings.Fields(line)[0], "id=")
				if admin.Do(ctx, "CLIENT", "KILL", "ID", id).Err() == nil {
					killed++
				}
			}
		}
	}
	if killed == 0 {
		t.Fatal("found no connection of the instance to kill")
	}
	// Healed: a fresh snapshot arrives by itself, then live moves flow again.
	if snap := w.next("snapshot", 15*time.Second); len(snap.Pochas) != 1 {
		t.Fatalf("snapshot after the outage: %+v", snap)
	}
	ows := dialWS(t, in, owner)
	at := time.Now().UTC().Add(5 * time.Second)
	// Keep moving (from another goroutine) until the watcher sees a move.
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := 0; i < 20; i++ {
			msg := map[string]any{"type": "location", "pocha_id": p.ID, "lat": 37.5501, "lng": 126.9201 + float64(i)*0.0001, "at": at.Add(time.Duration(i) * time.Second)}
			if ows.conn.WriteJSON(msg) != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	moved := false
	w.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for !moved {
		_, data, err := w.conn.ReadMessage()
		if err != nil {
			break
		}
		moved = strings.Contains(string(data), `"pocha.moved"`)
	}
	close(stop)
	<-sent
	if !moved {
		t.Fatal("no move delivered after the outage")
	}
	var ready struct{ Status string }
	in.call("GET", "/readyz", "", nil, 200, &ready)
}

package web

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
)

// The fake API's accounts: token -> user.
var fakeUsers = map[string]map[string]any{
	"tok-customer": {"id": 1, "login_id": "minji", "nickname": "민지", "role": "customer", "email": "m@example.com", "phone": "01012345678", "verified": false, "created_at": "2026-11-01T00:00:00Z"},
	"tok-owner":    {"id": 2, "login_id": "boss", "nickname": "사장", "role": "owner", "email": "b@example.com", "phone": "01012345679", "verified": true, "created_at": "2026-11-01T00:00:00Z"},
}

// The fake stall and its menu (item 72 is sold out).
var (
	fakePocha = map[string]any{
		"id": 7, "owner_id": 2, "name": "을지로 어묵", "description": "뜨끈한 어묵탕", "notice": "비 오는 날은 쉽니다",
		"main_image_id": nil, "main_image_url": nil, "hours": map[string]any{"fri": []any{map[string]any{"open": "18:00", "close": "02:00"}}},
		"is_open": true, "location": map[string]any{"lat": 37.5665, "lng": 126.978, "at": "2026-11-25T08:00:00Z"},
		"created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z",
	}
	fakeMenu = []map[string]any{
		{"id": 71, "pocha_id": 7, "name": "어묵", "description": "", "price": 4000, "image_id": nil, "image_url": nil, "sold_out": false, "position": 0, "updated_at": "2026-11-01T00:00:00Z"},
		{"id": 72, "pocha_id": 7, "name": "순대", "description": "", "price": 5000, "image_id": nil, "image_url": nil, "sold_out": true, "position": 1, "updated_at": "2026-11-01T00:00:00Z"},
		{"id": 73, "pocha_id": 7, "name": "떡볶이", "description": "매워요", "price": 3000, "image_id": nil, "image_url": nil, "sold_out": false, "position": 2, "updated_at": "2026-11-01T00:00:00Z"},
	}
)

// apiCall is one request the fake API received.
type apiCall struct {
	Method, Path, IdempotencyKey, Token string
	Body                                map[string]any
}

// fakeAPI answers the HTTP API calls of the pages from memory: one stall (7)
// with a menu, orders, payments confirm (failing the first confirmFailures
// calls with 503 payment_unknown), and the owner's actions. With fakePG the
// fake gateway's checkout page is "mounted" (its probe answers 400).
type fakeAPI struct {
	t               *testing.T
	fakePG          bool
	mu              sync.Mutex
	calls           []apiCall
	orders          map[int]map[string]any
	confirmFailures int
	// holdReads, when set, holds every GET /orders/{id} answer (the order
	// as it was when asked) until it is closed.
	holdReads chan struct{}
}

func newFakeAPI(t *testing.T) *fakeAPI {
	return &fakeAPI{t: t, orders: make(map[int]map[string]any)}
}

// addOrder stores an order of the customer at stall 7 with one line of item 71.
func (a *fakeAPI) addOrder(id int, status string) map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	o := fakeOrder(id, status, []map[string]any{{"menu_item_id": 71, "quantity": 1}})
	a.orders[id] = o
	return o
}

func fakeOrder(id int, status string, lines []map[string]any) map[string]any {
	items := []map[string]any{}
	total := 0
	for _, l := range lines {
		for _, m := range fakeMenu {
			if float64(m["id"].(int)) == num(l["menu_item_id"]) {
				q := int(num(l["quantity"]))
				p := m["price"].(int)
				items = append(items, map[string]any{"menu_item_id": m["id"], "name": m["name"], "unit_price": p, "quantity": q, "line_total": p * q})
				total += p * q
			}
		}
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	return map[string]any{
		"id": id, "pocha_id": 7, "customer_id": 1, "status": status, "items": items, "total": total,
		"payment_order_id": fmt.Sprintf("illuwa-order-%d", id), "ready_in_minutes": nil, "ready_at": nil,
		"paid_at": nil, "accepted_at": nil, "created_at": now, "updated_at": now,
	}
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	}
	return 0
}

// callsTo returns the calls so far whose "METHOD path" has the prefix.
func (a *fakeAPI) callsTo(prefix string) []apiCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []apiCall
	for _, c := range a.calls {
		if strings.HasPrefix(c.Method+" "+c.Path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/fake-pg/") {
		if a.fakePG {
			http.Error(w, "orderId and amount are required", http.StatusBadRequest)
		} else {
			http.NotFound(w, r)
		}
		return
	}
	var body map[string]any
	if r.Body != nil {
		_ = json.NewDecoder(r.Body).Decode(&body)
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, apiCall{Method: r.Method, Path: r.URL.RequestURI(), IdempotencyKey: r.Header.Get("Idempotency-Key"), Token: tok, Body: body})
	path := strings.TrimPrefix(r.URL.Path, "/api/v1")
	user := fakeUsers[tok]
	switch {
	case r.Method == "POST" && path == "/auth/login":
		for t, u := range fakeUsers {
			if u["login_id"] == body["login_id"] && body["password"] == "secret-pw" {
				reply(w, 200, map[string]any{"token": t, "expires_at": "2026-12-25T00:00:00Z", "user": u})
				return
			}
		}
		problem(w, 401, "invalid_credentials")
	case r.Method == "POST" && path == "/auth/logout":
		w.WriteHeader(204)
	case r.Method == "GET" && path == "/pochas/7":
		reply(w, 200, fakePocha)
	case r.Method == "GET" && path == "/pochas/7/menu":
		reply(w, 200, map[string]any{"items": fakeMenu})
	case r.Method == "GET" && path == "/pochas/7/reviews":
		reply(w, 200, map[string]any{"next_cursor": nil, "items": []any{
			map[string]any{"id": 3, "pocha_id": 7, "author_nickname": "지훈", "stars": 5, "content": "국물이 최고", "public": true, "mine": false,
				"reply": map[string]any{"content": "감사합니다", "created_at": "2026-11-20T00:00:00Z"}, "created_at": "2026-11-19T00:00:00Z"},
		}})
	case r.Method == "GET" && path == "/pochas/7/reviews/stats":
		reply(w, 200, map[string]any{"pocha_id": 7, "count": 1, "average": 5.0, "per_star": map[string]int{"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}, "recent_count": 1, "recent_days": 30})
	case r.Method == "GET" && path == "/pochas/mine" && user != nil:
		reply(w, 200, map[string]any{"items": []any{fakePocha}})
	case r.Method == "GET" && strings.HasPrefix(path, "/pochas/7/settlements/"):
		reply(w, 200, map[string]any{"pocha_id": 7, "month": strings.TrimPrefix(path, "/pochas/7/settlements/"), "time_zone": "Asia/Seoul", "fee_rate": 0.033,
			"orders": []any{map[string]any{"order_id": 9, "paid_at": "2026-11-20T20:00:00+09:00", "status": "completed", "gross": 4000, "refund": 0, "fee": 132, "net": 3868}},
			"totals": map[string]any{"orders": 1, "gross": 4000, "refunds": 0, "fees": 132, "payout": 3868}})
	case r.Method == "GET" && path == "/pochas/7/sales":
		from, _ := time.Parse("2006-01-02", r.URL.Query().Get("from"))
		to, _ := time.Parse("2006-01-02", r.URL.Query().Get("to"))
		days := []any{}
		for d := from; !d.After(to) && len(days) < 366; d = d.AddDate(0, 0, 1) {
			net := 0
			if d.Day() == 20 {
				net = 4000
			}
			days = append(days, map[string]any{"date": d.Format("2006-01-02"), "orders": net / 4000, "gross": net, "refunds": 0, "net": net})
		}
		reply(w, 200, map[string]any{"pocha_id": 7, "from": r.URL.Query().Get("from"), "to": r.URL.Query().Get("to"), "time_zone": "Asia/Seoul", "days": days,
			"totals": map[string]any{"orders": 1, "gross": 4000, "refunds": 0, "net": 4000}})
	case user == nil:
		problem(w, 401, "unauthorized")
	case r.Method == "GET" && path == "/notifications":
		reply(w, 200, map[string]any{"items": []any{}, "next_cursor": nil, "unread_count": 2})
	case r.Method == "POST" && path == "/orders":
		lines, _ := body["items"].([]any)
		var ls []map[string]any
		for _, l := range lines {
			ls = append(ls, l.(map[string]any))
		}
		id := 100 + len(a.orders)
		o := fakeOrder(id, "pending_payment", ls)
		a.orders[id] = o
		reply(w, 201, o)
	case r.Method == "GET" && path == "/orders":
		items := []any{}
		for _, o := range a.orders {
			if s := r.URL.Query().Get("status"); s == "" || o["status"] == s {
				items = append(items, o)
			}
		}
		reply(w, 200, map[string]any{"items": items, "next_cursor": nil})
	case r.Method == "POST" && path == "/payments/confirm":
		o := a.orders[int(num(body["order_id"]))]
		switch {
		case o == nil:
			problem(w, 404, "not_found")
		case a.confirmFailures > 0:
			a.confirmFailures--
			problem(w, 503, "payment_unknown")
		default:
			o["status"] = "paid"
			o["updated_at"] = time.Now().UTC().Format(time.RFC3339Nano)
			reply(w, 200, map[string]any{"order": o})
		}
	case strings.HasPrefix(path, "/orders/"):
		idText, action, _ := strings.Cut(strings.TrimPrefix(path, "/orders/"), "/")
		id, _ := strconv.Atoi(idText)
		o := a.orders[id]
		if o == nil {
			problem(w, 404, "not_found")
			return
		}
		next := map[string]string{"accept": "accepted", "reject": "cancelled", "ready": "ready", "complete": "completed", "cancel": "cancelled"}[action]
		if r.Method == "POST" && next != "" {
			o["status"] = next
			o["updated_at"] = time.Now().UTC().Format(time.RFC3339Nano)
			if action == "accept" {
				o["ready_in_minutes"] = body["ready_in_minutes"]
			}
		}
		if hold := a.holdReads; r.Method == "GET" && hold != nil {
			then := make(map[string]any, len(o))
			for k, v := range o {
				then[k] = v
			}
			a.mu.Unlock()
			<-hold
			a.mu.Lock()
			o = then
		}
		reply(w, 200, o)
	default:
		problem(w, 404, "not_found")
	}
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func problem(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "urn:illuwa:problem:" + code, "title": http.StatusText(status), "status": status, "code": code, "detail": code})
}

// mustServePages serves the web app with the fake API, the fake /ws and
// (per api.fakePG) the fake gateway's probe.
func mustServePages(t *testing.T, api *fakeAPI, ws http.Handler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/ws", ws)
	mux.Handle("/api/", api)
	mux.Handle("/fake-pg/", api)
	mux.Handle("/", Handler(Config{TileURL: "http://127.0.0.1:1/{z}/{x}/{y}.png", TileAttribution: "no tiles in tests"}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

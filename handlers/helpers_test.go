package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
	"github.com/illuwa/illuwa/store/storetest"
)

// testAPI is a running API on a fresh database, with helpers to call it.
type testAPI struct {
	t     *testing.T
	srv   *Server
	http  *httptest.Server
	store *store.Store
	logs  *logBuffer
}

// newTestAPI starts the API on a fresh database of the given kind. Options
// may adjust the dependencies before the server is built.
func newTestAPI(t *testing.T, kind store.Dialect, opts ...func(*Deps)) *testAPI {
	t.Helper()
	st := storetest.Open(t, kind)
	images, err := blob.OpenDir(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = images.Close() })
	logs := &logBuffer{}
	d := Deps{Store: st, Images: images, Log: slog.New(slog.NewJSONHandler(logs, nil)),
		// Cheap password hashes: these tests are about the API, not the cost
		// (handlers/accounts tests the hashing).
		Options: Options{PasswordHashMemoryKiB: 64, PasswordHashTime: 1}}
	for _, o := range opts {
		o(&d)
	}
	srv := New(d)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &testAPI{t: t, srv: srv, http: hs, store: st, logs: logs}
}

// forEachBackend runs fn on a fresh API over every database backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, api *testAPI)) {
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			fn(t, newTestAPI(t, kind))
		})
	}
}

// response is a finished call.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// decode unmarshals the body into v, failing the test on error.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// problem decodes a problem+json body and checks its content type.
func (r response) problem(t *testing.T) Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json (body %s)", ct, r.Body)
	}
	var p Problem
	r.decode(t, &p)
	return p
}

// do sends a request. body may be nil, a string (sent as is) or a value (sent as JSON).
func (a *testAPI) do(method, path, token string, body any, headers ...string) response {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, a.http.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := a.http.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// mustStatus fails the test unless r has the status.
func (r response) mustStatus(t *testing.T, want int) response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
	return r
}

// signupLogin makes a user with the role and returns a token and the user.
func (a *testAPI) signupLogin(login, role string) (string, accounts.View) {
	a.t.Helper()
	a.do("POST", "/api/v1/auth/signup", "", map[string]any{"login_id": login, "password": "correct horse", "nickname": login,
		"email": login + "@example.com", "phone": "010-1234-5678", "role": role}).mustStatus(a.t, http.StatusCreated)
	var out accounts.Session
	a.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": login, "password": "correct horse"}).
		mustStatus(a.t, http.StatusOK).decode(a.t, &out)
	if role == store.RoleOwner {
		a.approve(out.User.ID)
	}
	return out.Token, out.User
}

// approve records an admin's approval of the owner (so its stalls may open).
func (a *testAPI) approve(ownerID uint64) {
	a.t.Helper()
	if _, err := a.store.SetApproval(context.Background(), ownerID, store.ApprovalApproved, ""); err != nil {
		a.t.Fatal(err)
	}
}

// createPocha makes a stall for the owner with one menu item and returns both ids.
func (a *testAPI) createPocha(token, name string, price int64) (uint64, uint64) {
	a.t.Helper()
	var p pochas.View
	a.do("POST", "/api/v1/pochas", token, map[string]any{"name": name}).mustStatus(a.t, http.StatusCreated).decode(a.t, &p)
	var it pochas.MenuItemView
	a.do("POST", "/api/v1/pochas/"+itoa(p.ID)+"/menu", token, map[string]any{"name": "떡볶이", "price": price}).
		mustStatus(a.t, http.StatusCreated).decode(a.t, &it)
	return p.ID, it.ID
}

// logBuffer collects log lines; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// blobOpenDir opens image storage on a folder.
func blobOpenDir(dir string) (blob.Storage, error) {
	return blob.OpenDir(context.Background(), dir)
}

// itoa writes an id as the API does.
func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

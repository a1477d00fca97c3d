// Package tossfake is an in-memory payment gateway that speaks the same HTTP
// API subset as the real one (Toss Payments v1) for tests and the demo mode.
// Mount it under any prefix with http.StripPrefix; tests serve it with
// httptest.NewServer and point the real client at it.
//
// Payments start the way the checkout widget starts them: POST
// /v1/fake/checkout (or the HTML page at GET /v1/fake/checkout-page) opens a
// READY payment and returns its paymentKey; the merchant then confirms it with
// POST /v1/payments/confirm. Faults are injected per path with FailNext and
// DelayNext; Calls and Charges let tests assert what reached the gateway.
//
// The fake never stores a full card number, a CVC or an identity number: only
// the masked number, the issuer, and HMACs of request bodies for idempotency.
package tossfake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configures a Server. The zero value works: any secret key is accepted.
type Options struct {
	// SecretKey is the only key the payment APIs accept (Basic auth user,
	// empty password). Empty accepts any key but still requires the header.
	SecretKey string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// SessionTTL is how long a READY payment can be confirmed; 10 minutes when zero.
	SessionTTL time.Duration
	// RequireIdempotencyKey refuses mutating API calls (not the widget's
	// /v1/fake/ paths) without an Idempotency-Key (400 INVALID_REQUEST), to
	// prove a client always sends one. The real gateway makes it optional.
	RequireIdempotencyKey bool
	// WebhookClient sends SendWebhook's requests; a client with a 10 s timeout when nil.
	WebhookClient *http.Client
	// SecurityKey (the merchant's 보안 키) signs the events SendPayoutEvent sends.
	SecurityKey string
}

// Server is the fake gateway, an http.Handler safe for concurrent use. All
// state lives in memory behind one mutex.
type Server struct {
	opts   Options
	mux    *http.ServeMux
	hmacK  []byte // keys body fingerprints so they reveal nothing
	kst    *time.Location
	mu     sync.Mutex
	state  state
	idem   map[string]*idemEntry
	calls  map[string]int
	fails  map[string]*fault
	delays map[string]*fault
	charge int
}

// New returns an empty fake gateway.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 10 * time.Minute
	}
	if opts.WebhookClient == nil {
		opts.WebhookClient = &http.Client{Timeout: 10 * time.Second}
	}
	s := &Server{
		opts:   opts,
		hmacK:  make([]byte, 32),
		kst:    time.FixedZone("KST", 9*60*60),
		state:  newState(),
		idem:   map[string]*idemEntry{},
		calls:  map[string]int{},
		fails:  map[string]*fault{},
		delays: map[string]*fault{},
	}
	_, _ = rand.Read(s.hmacK)
	s.mux = s.routes()
	return s
}

// routes lists the whole fake API.
func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	for _, r := range s.routeTable() {
		m.HandleFunc(r.pattern, r.h)
	}
	return m
}

type route struct {
	pattern string
	h       http.HandlerFunc
}

func (s *Server) routeTable() []route {
	return []route{
		{"POST /v1/payments/confirm", s.op(true, s.confirm)},
		{"POST /v1/payments/{paymentKey}/cancel", s.op(true, s.cancel)},
		{"GET /v1/payments/{paymentKey}", s.op(false, s.paymentByKey)},
		{"GET /v1/payments/orders/{orderId}", s.op(false, s.paymentByOrder)},
		{"POST /v1/billing/authorizations/card", s.op(true, s.issueBillingKey)},
		{"DELETE /v1/billing/{billingKey}", s.op(true, s.deleteBillingKey)},
		{"POST /v1/billing/{billingKey}", s.op(true, s.chargeBillingKey)},
		{"POST /v1/fake/checkout", s.op(true, s.checkout)},
		{"GET /v1/fake/checkout-page", s.checkoutPage},
	}
}

// Routes lists the fake's operations as "METHOD /path" (path parameters in
// braces), relative to where it is mounted: for documentation and its test.
func Routes() []string {
	var s Server
	var out []string
	for _, r := range s.routeTable() {
		out = append(out, r.pattern)
	}
	return out
}

// ServeHTTP counts the call, applies an injected failure, checks the key
// (except on the widget's /v1/fake/ paths), and dispatches.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	s.mu.Lock()
	s.calls[path]++
	failStatus, failing := s.fails[path].take()
	s.mu.Unlock()
	if failing {
		writeError(w, int(failStatus), "FAILED_INTERNAL_SYSTEM_PROCESSING", "injected failure")
		return
	}
	if !strings.HasPrefix(path, "/v1/fake/") && !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, "UNAUTHORIZED_KEY", "unauthorized secret key")
		return
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no such API")
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok || pass != "" || user == "" {
		return false
	}
	if s.opts.SecretKey == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.SecretKey)) == 1
}

// answer is what an operation decided: a status and a JSON-encodable body.
type answer struct {
	status int
	body   any
}

func errAnswer(status int, code, msg string) answer {
	return answer{status, errorBody{code, msg}}
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// opFunc runs one API operation with s.mu held. body is the raw request body.
type opFunc func(r *http.Request, body []byte) answer

// op wraps an operation with body reading, idempotency (for mutating calls),
// locking and the injected delay.
func (s *Server) op(mutating bool, f opFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST", "unreadable body")
			return
		}
		key := r.Header.Get("Idempotency-Key")
		if mutating && key == "" && s.opts.RequireIdempotencyKey && !strings.HasPrefix(r.URL.Path, "/v1/fake/") {
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST", "Idempotency-Key header is required")
			return
		}
		fp := s.fingerprint(r, body)

		s.mu.Lock()
		delay, delayed := s.delays[r.URL.Path].take()
		status, raw, replayed, mismatch := 0, []byte(nil), false, false
		if e := s.idem[key]; mutating && key != "" && e != nil {
			if hmac.Equal(e.fingerprint, fp) {
				status, raw, replayed = e.status, e.body, true
			} else {
				mismatch = true
			}
		}
		if !replayed && !mismatch {
			a := f(r, body)
			status, raw = a.status, mustJSON(a.body)
			if mutating && key != "" {
				s.idem[key] = &idemEntry{fingerprint: fp, status: status, body: raw}
			}
		}
		s.mu.Unlock()

		if mismatch {
			writeError(w, http.StatusUnprocessableEntity, "IDEMPOTENT_REQUEST_MISMATCH",
				"the Idempotency-Key was used with a different request")
			return
		}
		if delayed {
			// The operation took effect; only the answer is held back.
			t := time.NewTimer(time.Duration(delay))
			select {
			case <-r.Context().Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		if replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		writeRaw(w, status, raw)
	}
}

// fingerprint identifies a request (method, path, body) by a keyed hash, so the
// idempotency store can compare bodies without keeping them.
func (s *Server) fingerprint(r *http.Request, body []byte) []byte {
	m := hmac.New(sha256.New, s.hmacK)
	io.WriteString(m, r.Method+" "+r.URL.Path+"\n")
	m.Write(body)
	return m.Sum(nil)
}

// idemEntry is the stored first answer to an Idempotency-Key.
type idemEntry struct {
	fingerprint []byte
	status      int
	body        []byte
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("tossfake: encode answer: " + err.Error())
	}
	return b
}

func writeRaw(w http.ResponseWriter, status int, raw []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeRaw(w, status, mustJSON(errorBody{code, msg}))
}

// randomKey returns n random bytes as URL-safe text with a prefix.
func randomKey(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

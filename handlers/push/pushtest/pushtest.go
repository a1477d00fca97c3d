// Package pushtest is a Web Push service on loopback for tests, written
// from the RFCs rather than from the sender's code: it checks every
// request's VAPID authorization (RFC 8292: an ES256 JWT whose aud is the
// endpoint's origin, exp in the future and at most a day away, and a sub;
// the k parameter the key it is signed with), then decrypts the aes128gcm
// body (RFC 8188 and RFC 8291) with the subscription's own private key.
// Each endpoint answers 201 unless told otherwise (404, 410, 429, 500...).
package pushtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Subscription is a browser's side of one subscription: the endpoint and
// keys it hands to the application (as PushSubscription.toJSON() does), and
// the private key only the browser holds.
type Subscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
	priv *ecdh.PrivateKey
	auth []byte
}

// Push is one message the service accepted, decrypted.
type Push struct {
	Endpoint  string
	Plaintext []byte
	TTL       string
	Urgency   string
	At        time.Time
}

// Answer is a status an endpoint gives instead of 201, once.
type Answer struct {
	Status     int
	RetryAfter string // the Retry-After header of the answer, if any
}

// Server is the loopback push service.
type Server struct {
	t   *testing.T
	srv *httptest.Server
	// VAPIDKey, when set, is the only application server key accepted
	// (base64url, as GET /push/vapid-public-key gives it).
	mu       sync.Mutex
	vapidKey string
	subs     map[string]*Subscription // by path
	answers  map[string][]Answer
	received []Push
	refused  []string // why requests were refused
	attempts map[string]int
	arrived  chan struct{}
}

// Start runs the service until the test ends.
func Start(t *testing.T) *Server {
	t.Helper()
	s := &Server{t: t, subs: map[string]*Subscription{}, answers: map[string][]Answer{}, attempts: map[string]int{},
		arrived: make(chan struct{}, 1)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the service's base URL.
func (s *Server) URL() string { return s.srv.URL }

// ExpectVAPIDKey makes the service refuse requests signed with any other
// application server key.
func (s *Server) ExpectVAPIDKey(k string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vapidKey = k
}

// NewSubscription makes a browser's key pair and authentication secret and
// an endpoint of this service for them.
func (s *Server) NewSubscription() *Subscription {
	s.t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		s.t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	sub := &Subscription{priv: priv, auth: auth, Endpoint: s.srv.URL + "/push/" + base64.RawURLEncoding.EncodeToString(id)}
	sub.Keys.P256dh = base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes())
	sub.Keys.Auth = base64.RawURLEncoding.EncodeToString(auth)
	s.mu.Lock()
	s.subs[strings.TrimPrefix(sub.Endpoint, s.srv.URL)] = sub
	s.mu.Unlock()
	return sub
}

// Answer queues answers the endpoint gives, one per request, before it
// goes back to 201.
func (s *Server) Answer(endpoint string, as ...Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := strings.TrimPrefix(endpoint, s.srv.URL)
	s.answers[p] = append(s.answers[p], as...)
}

// Received lists the pushes accepted so far for the endpoint ("" for all).
func (s *Server) Received(endpoint string) []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Push
	for _, p := range s.received {
		if endpoint == "" || p.Endpoint == endpoint {
			out = append(out, p)
		}
	}
	return out
}

// Attempts counts the requests the endpoint got, accepted or not.
func (s *Server) Attempts(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[strings.TrimPrefix(endpoint, s.srv.URL)]
}

// Refused lists why requests were refused as malformed (bad VAPID, bad
// encryption): a correct sender has none.
func (s *Server) Refused() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.refused...)
}

// Wait returns the n-th push (1-based) accepted for the endpoint, failing
// the test if it does not arrive within d.
func (s *Server) Wait(endpoint string, n int, d time.Duration) Push {
	s.t.Helper()
	deadline := time.After(d)
	for {
		if got := s.Received(endpoint); len(got) >= n {
			return got[n-1]
		}
		select {
		case <-s.arrived:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			s.t.Fatalf("push %d to %s not received within %v (refused: %v)", n, endpoint, d, s.Refused())
		}
	}
}

func (s *Server) refuse(w http.ResponseWriter, status int, why string) {
	s.mu.Lock()
	s.refused = append(s.refused, why)
	s.mu.Unlock()
	http.Error(w, why, status)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	sub := s.subs[r.URL.Path]
	s.attempts[r.URL.Path]++
	var ans *Answer
	if q := s.answers[r.URL.Path]; len(q) > 0 {
		ans, s.answers[r.URL.Path] = &q[0], q[1:]
	}
	want := s.vapidKey
	s.mu.Unlock()
	if r.Method != http.MethodPost {
		s.refuse(w, http.StatusMethodNotAllowed, "method "+r.Method)
		return
	}
	if sub == nil {
		http.Error(w, "no such subscription", http.StatusNotFound)
		return
	}
	if err := checkVAPID(r.Header.Get("Authorization"), s.srv.URL, want, time.Now()); err != nil {
		s.refuse(w, http.StatusUnauthorized, "vapid: "+err.Error())
		return
	}
	if r.Header.Get("TTL") == "" {
		s.refuse(w, http.StatusBadRequest, "no TTL header")
		return
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		s.refuse(w, http.StatusUnsupportedMediaType, "content encoding "+ce)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8192))
	if err != nil {
		s.refuse(w, http.StatusBadRequest, "read: "+err.Error())
		return
	}
	plain, err := Decrypt(sub.priv, sub.auth, body)
	if err != nil {
		s.refuse(w, http.StatusBadRequest, "decrypt: "+err.Error())
		return
	}
	if ans != nil {
		if ans.RetryAfter != "" {
			w.Header().Set("Retry-After", ans.RetryAfter)
		}
		w.WriteHeader(ans.Status)
		return
	}
	s.mu.Lock()
	s.received = append(s.received, Push{Endpoint: sub.Endpoint, Plaintext: plain, TTL: r.Header.Get("TTL"),
		Urgency: r.Header.Get("Urgency"), At: time.Now()})
	s.mu.Unlock()
	select {
	case s.arrived <- struct{}{}:
	default:
	}
	w.Header().Set("Location", r.URL.Path+"/m/"+strconv.Itoa(len(s.Received(""))))
	w.WriteHeader(http.StatusCreated)
}

// checkVAPID verifies an Authorization header of RFC 8292's vapid scheme:
// `vapid t=<JWT>, k=<public key>`. The JWT must be ES256, signed by k, with
// aud the push service's origin, exp after now and within 24 hours, and a
// sub (mailto: or https:). want, when set, is the only k accepted.
func checkVAPID(header, origin, want string, now time.Time) error {
	scheme, params, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "vapid") {
		return fmt.Errorf("authorization %q is not the vapid scheme", header)
	}
	var tok, key string
	for _, p := range strings.Split(params, ",") {
		name, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch name {
		case "t":
			tok = v
		case "k":
			key = v
		}
	}
	if tok == "" || key == "" {
		return errors.New("t or k missing")
	}
	if want != "" && key != want {
		return errors.New("signed with another application server key")
	}
	kb, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil {
		return fmt.Errorf("k: %w", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), kb)
	if err != nil {
		return fmt.Errorf("k: %w", err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return errors.New("t is not a JWT")
	}
	var hdr struct{ Alg, Typ string }
	if err := decodeJSON(parts[0], &hdr); err != nil || hdr.Alg != "ES256" {
		return fmt.Errorf("JWT header %+v: want alg ES256", hdr)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return errors.New("signature is not 64 bytes of r||s")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return errors.New("signature does not verify against k")
	}
	var claims struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}
	if err := decodeJSON(parts[1], &claims); err != nil {
		return fmt.Errorf("claims: %w", err)
	}
	exp := time.Unix(claims.Exp, 0)
	switch {
	case claims.Aud != origin:
		return fmt.Errorf("aud %q, want %q", claims.Aud, origin)
	case !exp.After(now):
		return fmt.Errorf("expired at %v", exp)
	case exp.After(now.Add(24 * time.Hour)):
		return fmt.Errorf("exp %v is more than 24 h away", exp)
	case !strings.HasPrefix(claims.Sub, "mailto:") && !strings.HasPrefix(claims.Sub, "https:"):
		return fmt.Errorf("sub %q starts with neither mailto: nor https: (RFC 8292 section 2.1)", claims.Sub)
	}
	return nil
}

func decodeJSON(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Decrypt opens an aes128gcm body (RFC 8188) sent to the user agent whose
// key is priv and authentication secret auth, deriving the keys as RFC 8291
// section 3.4 says, and returns the plaintext without its padding.
func Decrypt(priv *ecdh.PrivateKey, auth, body []byte) ([]byte, error) {
	// Header: salt (16) | rs (4) | idlen (1) | keyid (the sender's public key).
	if len(body) < 21 {
		return nil, errors.New("body shorter than the header")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if len(body) < 21+idlen || idlen != 65 {
		return nil, fmt.Errorf("keyid of %d bytes, want the 65-byte sender key", idlen)
	}
	asPub, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return nil, fmt.Errorf("sender key: %w", err)
	}
	records := body[21+idlen:]
	if rs < 18 || len(records) == 0 || len(records) > int(rs) {
		return nil, fmt.Errorf("want exactly one record of at most rs=%d bytes, got %d bytes", rs, len(records))
	}
	secret, err := priv.ECDH(asPub)
	if err != nil {
		return nil, err
	}
	keyInfo := "WebPush: info\x00" + string(priv.PublicKey().Bytes()) + string(asPub.Bytes())
	prkKey, err := hkdf.Extract(sha256.New, secret, auth)
	if err != nil {
		return nil, err
	}
	ikm, err := hkdf.Expand(sha256.New, prkKey, keyInfo, 32)
	if err != nil {
		return nil, err
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, records, nil)
	if err != nil {
		return nil, fmt.Errorf("open record: %w", err)
	}
	// The last record ends with the delimiter 0x02 and zero padding.
	end := len(plain) - 1
	for end >= 0 && plain[end] == 0 {
		end--
	}
	if end < 0 || plain[end] != 2 {
		return nil, errors.New("no last-record delimiter")
	}
	return plain[:end], nil
}

// Package oauthfake is a stand-in for Kakao's, Google's and Facebook's
// sign-in endpoints, served over real HTTP on loopback for tests: OpenID
// Connect discovery, the key set (RSA), the authorization endpoint (which
// approves at once as its configured user and redirects back with a code
// and the state), the token endpoint (which checks the client secret, the
// redirect address, the PKCE verifier, and spends each code once), the
// userinfo endpoint, and Facebook's Graph API /me. Each answers in the shape
// its provider documents, errors included.
package oauthfake

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/illuwa/illuwa/handlers/oauth"
)

// User is the person the fake signs in as.
type User struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}

// Options configure a fake: which provider it plays and the one client it knows.
type Options struct {
	Provider               string // oauth.Kakao, oauth.Google or oauth.Facebook
	ClientID, ClientSecret string
	RedirectURL            string // the only redirect address it accepts
	User                   User
	Now                    func() time.Time // nil is time.Now
	CodeTTL                time.Duration    // how long a code works; default 10 minutes
}

// Server is a running fake provider. Its methods are safe for concurrent use.
type Server struct {
	opts Options
	http *httptest.Server
	key  *rsa.PrivateKey
	kid  string

	mu     sync.Mutex
	user   User
	claims func(map[string]any)
	deny   bool
	codes  map[string]*grant
	tokens map[string]User // access token → the person
	issued int
}

// grant is one authorization code and what it was issued for.
type grant struct {
	redirect, challenge, nonce, scope string
	user                              User
	expires                           time.Time
	used                              bool
}

// Start serves a fake provider on a loopback port; Close stops it.
func Start(o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CodeTTL <= 0 {
		o.CodeTTL = 10 * time.Minute
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("oauthfake: " + err.Error())
	}
	s := &Server{opts: o, key: key, kid: randomString(8), user: o.User, codes: map[string]*grant{}, tokens: map[string]User{}}
	s.http = httptest.NewServer(s.routes())
	return s
}

// URL is the fake's base address (the issuer of the OpenID Connect ones).
func (s *Server) URL() string { return s.http.URL }

// Close stops the fake.
func (s *Server) Close() { s.http.Close() }

// Config is the provider configuration that points at this fake.
func (s *Server) Config() oauth.Config {
	c := oauth.Config{ClientID: s.opts.ClientID, ClientSecret: s.opts.ClientSecret, RedirectURL: s.opts.RedirectURL}
	if s.opts.Provider == oauth.Facebook {
		c.AuthURL = s.URL() + fbVersion + "/dialog/oauth"
		c.TokenURL = s.URL() + fbVersion + "/oauth/access_token"
		c.GraphURL = s.URL() + fbVersion
	} else {
		c.Issuer = s.URL()
	}
	return c
}

// SetUser changes who the next authorization signs in as.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = u
}

// SetClaims makes every ID token issued from now on pass through fn before
// it is signed (a wrong audience, an expired token, another nonce); nil
// issues them as they are.
func (s *Server) SetClaims(fn func(claims map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claims = fn
}

// SetDeny makes the authorization endpoint answer as if the person
// declined (error=access_denied).
func (s *Server) SetDeny(deny bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = deny
}

// Issued counts the access tokens issued so far.
func (s *Server) Issued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// fbVersion is the Graph API version the Facebook fake serves.
const fbVersion = "/v23.0"

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	switch s.opts.Provider {
	case oauth.Kakao:
		// kauth.kakao.com and kapi.kakao.com, on one host.
		mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery("/oauth/authorize", "/oauth/token", "/v1/oidc/userinfo", "/.well-known/jwks.json"))
		mux.HandleFunc("GET /.well-known/jwks.json", s.jwks)
		mux.HandleFunc("GET /oauth/authorize", s.authorize)
		mux.HandleFunc("POST /oauth/token", s.token)
		mux.HandleFunc("GET /v1/oidc/userinfo", s.userinfo)
		mux.HandleFunc("POST /v1/oidc/userinfo", s.userinfo)
	case oauth.Google:
		// accounts.google.com, oauth2.googleapis.com, openidconnect.googleapis.com
		// and www.googleapis.com, on one host.
		mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery("/o/oauth2/v2/auth", "/token", "/v1/userinfo", "/oauth2/v3/certs"))
		mux.HandleFunc("GET /oauth2/v3/certs", s.jwks)
		mux.HandleFunc("GET /o/oauth2/v2/auth", s.authorize)
		mux.HandleFunc("POST /token", s.token)
		mux.HandleFunc("GET /v1/userinfo", s.userinfo)
	case oauth.Facebook:
		mux.HandleFunc("GET "+fbVersion+"/dialog/oauth", s.authorize)
		mux.HandleFunc("GET "+fbVersion+"/oauth/access_token", s.token)
		mux.HandleFunc("POST "+fbVersion+"/oauth/access_token", s.token)
		mux.HandleFunc("GET "+fbVersion+"/me", s.graphMe)
	default:
		panic("oauthfake: unknown provider " + s.opts.Provider)
	}
	return mux
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// publicKey is the key set's one key.
func (s *Server) publicKey() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &s.key.PublicKey, KeyID: s.kid, Algorithm: string(jose.RS256), Use: "sig"}
}

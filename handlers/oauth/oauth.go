// Package oauth talks to the OAuth2 / OpenID Connect providers people sign
// in with: Kakao and Google (OpenID Connect: the ID token's signature,
// issuer, audience, expiry and nonce are verified) and Facebook (plain
// OAuth2 and the Graph API). Every sign-in uses the authorization code flow
// with PKCE (S256). It knows nothing of HTTP handlers or accounts: it builds
// the provider's authorization address and turns a returned code into an
// Identity, or one of the sentinels below.
package oauth

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// The names of the providers.
const (
	Kakao    = "kakao"
	Google   = "google"
	Facebook = "facebook"
)

// The refusals of a sign-in at the provider.
var (
	// ErrCodeInvalid: the provider's token endpoint refused the authorization
	// code (unknown, expired, already used, or not issued for this client,
	// redirect address or PKCE verifier).
	ErrCodeInvalid = errors.New("oauth: the provider refused the authorization code")
	// ErrTokenInvalid: what the provider answered does not prove the
	// identity: an ID token with a bad signature, another issuer or audience,
	// expired, with another nonce, or a profile that does not match it.
	ErrTokenInvalid = errors.New("oauth: the provider's token did not verify")
	// ErrUnavailable: the provider did not answer, or answered nonsense.
	ErrUnavailable = errors.New("oauth: the provider did not answer")
)

// Identity is a person as a provider vouches for them. Subject is the
// provider's stable id of the account; EmailVerified is true only when the
// provider says it checked that the person owns Email.
type Identity struct {
	Provider      string `json:"provider"`
	Subject       string `json:"subject"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Name          string `json:"name"`
}

// Provider is one configured provider.
type Provider interface {
	// Name is the provider's name (Kakao, Google, Facebook).
	Name() string
	// AuthCodeURL is the provider's authorization address for one sign-in:
	// it carries state, the nonce (OpenID Connect providers) and the S256
	// challenge of verifier. It may need to fetch the provider's discovery
	// document first (ErrUnavailable when that fails).
	AuthCodeURL(ctx context.Context, state, nonce, verifier string) (string, error)
	// Exchange redeems code with verifier at the token endpoint and returns
	// the verified identity; nonce must be the one sent with the request.
	Exchange(ctx context.Context, code, verifier, nonce string) (Identity, error)
}

// Config is one provider's client registration and endpoints.
type Config struct {
	ClientID, ClientSecret string
	// Issuer is an OpenID Connect provider's issuer: its discovery document
	// is Issuer + "/.well-known/openid-configuration".
	Issuer string
	// AuthURL, TokenURL and GraphURL are Facebook's login dialog, token
	// endpoint and Graph API base (the version included).
	AuthURL, TokenURL, GraphURL string
	// RedirectURL is this server's callback address registered with the provider.
	RedirectURL string
}

// The providers' documented addresses, the defaults of Config.
const (
	KakaoIssuer      = "https://kauth.kakao.com"
	GoogleIssuer     = "https://accounts.google.com"
	FacebookAuthURL  = "https://www.facebook.com/v23.0/dialog/oauth"
	FacebookTokenURL = "https://graph.facebook.com/v23.0/oauth/access_token"
	FacebookGraphURL = "https://graph.facebook.com/v23.0"
)

// New builds the named provider from cfg; client makes its requests (nil:
// one with a 10-second timeout).
func New(name string, cfg Config, client *http.Client) (Provider, error) {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" || cfg.RedirectURL == "" {
		return nil, errors.New("oauth: " + name + " needs a client id, a client secret and a redirect address")
	}
	switch name {
	case Kakao:
		return newOIDC(name, cfg, client, true), nil
	case Google:
		return newOIDC(name, cfg, client, false), nil
	case Facebook:
		return newFacebook(cfg, client), nil
	}
	return nil, errors.New("oauth: unknown provider " + name)
}

// Providers are the configured providers, in the order buttons show them.
type Providers struct {
	list []Provider
}

// NewProviders lists ps; nil entries are left out.
func NewProviders(ps ...Provider) *Providers {
	out := &Providers{}
	for _, p := range ps {
		if p != nil {
			out.list = append(out.list, p)
		}
	}
	return out
}

// Get returns the configured provider of that name.
func (p *Providers) Get(name string) (Provider, bool) {
	if p == nil {
		return nil, false
	}
	for _, x := range p.list {
		if x.Name() == name {
			return x, true
		}
	}
	return nil, false
}

// Names lists the configured providers' names; empty when none is.
func (p *Providers) Names() []string {
	out := []string{}
	if p == nil {
		return out
	}
	for _, x := range p.list {
		out = append(out, x.Name())
	}
	return out
}

package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// oidcProvider is an OpenID Connect provider found by discovery. With
// userInfo the e-mail and its verified flag come from the userinfo endpoint
// (Kakao's ID token carries the address but not whether it was verified),
// whose subject must be the ID token's.
type oidcProvider struct {
	name     string
	cfg      Config
	client   *http.Client
	userInfo bool
	style    oauth2.AuthStyle

	mu       sync.Mutex
	provider *oidc.Provider // nil until discovery succeeded
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newOIDC(name string, cfg Config, client *http.Client, userInfo bool) *oidcProvider {
	style := oauth2.AuthStyleInHeader // Google takes client_secret_basic
	if name == Kakao {
		style = oauth2.AuthStyleInParams // Kakao wants client_secret in the body
	}
	return &oidcProvider{name: name, cfg: cfg, client: client, userInfo: userInfo, style: style}
}

func (p *oidcProvider) Name() string { return p.name }

// discover fetches the discovery document once; a failure is retried on
// the next sign-in.
func (p *oidcProvider) discover(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.oauth, p.verifier, nil
	}
	// Only the discovery request uses ctx; the key set fetches with the client in the background.
	prov, err := oidc.NewProvider(oidc.ClientContext(ctx, p.client), p.cfg.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s discovery: %v", ErrUnavailable, p.name, err)
	}
	ep := prov.Endpoint()
	ep.AuthStyle = p.style
	scopes := []string{oidc.ScopeOpenID, "email", "profile"}
	if p.name == Kakao {
		scopes = []string{oidc.ScopeOpenID, "account_email", "profile_nickname"}
	}
	p.provider = prov
	p.oauth = &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: ep,
		RedirectURL: p.cfg.RedirectURL, Scopes: scopes}
	p.verifier = prov.Verifier(&oidc.Config{ClientID: p.cfg.ClientID})
	return p.oauth, p.verifier, nil
}

func (p *oidcProvider) AuthCodeURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	oc, _, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	return oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// idClaims are the ID token's claims beyond the standard ones.
type idClaims struct {
	Email         string          `json:"email"`
	EmailVerified json.RawMessage `json:"email_verified"`
	Name          string          `json:"name"`
	Nickname      string          `json:"nickname"` // Kakao
}

func (p *oidcProvider) Exchange(ctx context.Context, code, verifier, nonce string) (Identity, error) {
	oc, idv, err := p.discover(ctx)
	if err != nil {
		return Identity{}, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.client)
	tok, err := oc.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Identity{}, exchangeError(p.name, err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return Identity{}, fmt.Errorf("%w: %s sent no id_token", ErrTokenInvalid, p.name)
	}
	idt, err := idv.Verify(oidc.ClientContext(ctx, p.client), raw)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %s id_token: %v", ErrTokenInvalid, p.name, err)
	}
	if nonce == "" || idt.Nonce != nonce {
		return Identity{}, fmt.Errorf("%w: %s id_token: the nonce is not this sign-in's", ErrTokenInvalid, p.name)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Identity{}, fmt.Errorf("%w: %s id_token: %v", ErrTokenInvalid, p.name, err)
		}
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return Identity{}, fmt.Errorf("%w: %s id_token claims: %v", ErrTokenInvalid, p.name, err)
	}
	id := Identity{Provider: p.name, Subject: idt.Subject, Email: c.Email, EmailVerified: truthy(c.EmailVerified),
		Name: firstNonEmpty(c.Name, c.Nickname)}
	if p.userInfo {
		ui, err := p.provider.UserInfo(oidc.ClientContext(ctx, p.client), oauth2.StaticTokenSource(tok))
		if err != nil {
			return Identity{}, fmt.Errorf("%w: %s userinfo: %v", ErrUnavailable, p.name, err)
		}
		if ui.Subject != idt.Subject {
			return Identity{}, fmt.Errorf("%w: %s userinfo is of another subject", ErrTokenInvalid, p.name)
		}
		var extra struct {
			Nickname string `json:"nickname"`
		}
		_ = ui.Claims(&extra)
		id.Email, id.EmailVerified = ui.Email, ui.EmailVerified
		id.Name = firstNonEmpty(extra.Nickname, id.Name)
	}
	if id.Email == "" {
		id.EmailVerified = false
	}
	return id, nil
}

// truthy reads email_verified as a JSON boolean or the string "true" (some
// providers have sent either).
func truthy(raw json.RawMessage) bool {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	return strings.EqualFold(s, "true")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// exchangeError sorts a failed code exchange: a refusal of the code (4xx)
// or the provider not answering.
func exchangeError(name string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 {
		reason := re.ErrorCode
		if reason == "" {
			reason = re.Response.Status
		}
		return fmt.Errorf("%w: %s token endpoint: %s", ErrCodeInvalid, name, reason)
	}
	return fmt.Errorf("%w: %s token endpoint: %v", ErrUnavailable, name, err)
}

package oauthfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/illuwa/illuwa/handlers/oauth"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// discovery is the OpenID Connect discovery document.
func (s *Server) discovery(auth, token, userinfo, jwks string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		base := s.URL()
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                base,
			"authorization_endpoint":                base + auth,
			"token_endpoint":                        base + token,
			"userinfo_endpoint":                     base + userinfo,
			"jwks_uri":                              base + jwks,
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"code_challenge_methods_supported":      []string{"S256"},
			"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
		})
	}
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{s.publicKey()}})
}

// authorize approves at once: it checks the request as the provider does,
// then redirects back with a code and the state (or error=access_denied).
// A request it cannot trust to redirect (unknown client, another redirect
// address) is answered with a page, as providers do.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.opts.ClientID {
		http.Error(w, "invalid client_id", http.StatusBadRequest)
		return
	}
	if q.Get("redirect_uri") != s.opts.RedirectURL {
		http.Error(w, "redirect_uri_mismatch", http.StatusBadRequest)
		return
	}
	back := func(v url.Values) {
		v.Set("state", q.Get("state"))
		http.Redirect(w, r, s.opts.RedirectURL+"?"+v.Encode(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		back(url.Values{"error": {"unsupported_response_type"}})
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		back(url.Values{"error": {"invalid_request"}, "error_description": {"code_challenge with S256 is required"}})
		return
	case s.opts.Provider != oauth.Facebook && !hasScope(q.Get("scope"), "openid"):
		back(url.Values{"error": {"invalid_scope"}, "error_description": {"openid is required for an id_token"}})
		return
	}
	s.mu.Lock()
	deny, user := s.deny, s.user
	code := randomString(24)
	if !deny {
		s.codes[code] = &grant{redirect: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), nonce: q.Get("nonce"),
			scope: q.Get("scope"), user: user, expires: s.opts.Now().Add(s.opts.CodeTTL)}
	}
	s.mu.Unlock()
	if deny {
		v := url.Values{"error": {"access_denied"}, "error_description": {"User denied access"}}
		if s.opts.Provider == oauth.Facebook {
			v = url.Values{"error": {"access_denied"}, "error_code": {"200"}, "error_description": {"Permissions error"}, "error_reason": {"user_denied"}}
		}
		back(v)
		return
	}
	back(url.Values{"code": {code}})
}

func hasScope(scopes, want string) bool {
	for _, s := range strings.Fields(scopes) {
		if s == want {
			return true
		}
	}
	return false
}

// tokenError answers a refused token request in the provider's shape.
func (s *Server) tokenError(w http.ResponseWriter, status int, code, desc string) {
	switch s.opts.Provider {
	case oauth.Facebook:
		writeJSON(w, status, map[string]any{"error": map[string]any{"message": desc, "type": "OAuthException", "code": 100,
			"fbtrace_id": randomString(8)}})
	case oauth.Kakao:
		kc := map[string]string{"invalid_grant": "KOE320", "invalid_client": "KOE010", "invalid_request": "KOE303"}[code]
		writeJSON(w, status, map[string]any{"error": code, "error_description": desc, "error_code": kc})
	default:
		writeJSON(w, status, map[string]any{"error": code, "error_description": desc})
	}
}

// clientAuth reads the client's credentials: Google takes the basic
// header or the body, Kakao and Facebook the body (Facebook also the query).
func (s *Server) clientAuth(r *http.Request) (string, string) {
	if s.opts.Provider == oauth.Google {
		if id, secret, ok := r.BasicAuth(); ok {
			id, _ = url.QueryUnescape(id)
			secret, _ = url.QueryUnescape(secret)
			return id, secret
		}
	}
	return r.Form.Get("client_id"), r.Form.Get("client_secret")
}

// token redeems a code: each code once, for its redirect address and the
// verifier of its challenge, by the client with its secret.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.tokenError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	id, secret := s.clientAuth(r)
	if id != s.opts.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) != 1 {
		s.tokenError(w, http.StatusUnauthorized, "invalid_client", "the client id or secret is wrong")
		return
	}
	if gt := r.Form.Get("grant_type"); gt != "authorization_code" && !(s.opts.Provider == oauth.Facebook && gt == "") {
		s.tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code")
		return
	}
	code := r.Form.Get("code")
	s.mu.Lock()
	g := s.codes[code]
	usable := g != nil && !g.used && s.opts.Now().Before(g.expires)
	if g != nil {
		g.used = true // a code is spent by its first redemption, even a failed one
	}
	s.mu.Unlock()
	if !usable {
		desc := "authorization code not found for code=" + code
		if s.opts.Provider == oauth.Facebook {
			desc = "This authorization code has been used."
		}
		s.tokenError(w, http.StatusBadRequest, "invalid_grant", desc)
		return
	}
	if r.Form.Get("redirect_uri") != g.redirect {
		s.tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri mismatch")
		return
	}
	sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		s.tokenError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	access := randomString(32)
	s.mu.Lock()
	s.tokens[access] = g.user
	s.issued++
	s.mu.Unlock()
	switch s.opts.Provider {
	case oauth.Facebook:
		writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "bearer", "expires_in": 5183944})
	case oauth.Kakao:
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "bearer", "access_token": access, "id_token": s.idToken(g, access),
			"expires_in": 21599, "refresh_token": randomString(32), "refresh_token_expires_in": 5183999, "scope": g.scope})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "expires_in": 3599, "scope": g.scope,
			"token_type": "Bearer", "id_token": s.idToken(g, access)})
	}
}

// idToken signs the ID token of a grant: Google's claims (with at_hash and
// email_verified) or Kakao's (nickname and email, no email_verified).
func (s *Server) idToken(g *grant, access string) string {
	now := s.opts.Now()
	c := map[string]any{"iss": s.URL(), "aud": s.opts.ClientID, "sub": g.user.Subject, "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "nonce": g.nonce}
	if s.opts.Provider == oauth.Kakao {
		c["auth_time"] = now.Unix()
		c["nickname"] = g.user.Name
		if g.user.Email != "" {
			c["email"] = g.user.Email
		}
	} else {
		sum := sha256.Sum256([]byte(access))
		c["azp"] = s.opts.ClientID
		c["at_hash"] = base64.RawURLEncoding.EncodeToString(sum[:16])
		c["name"] = g.user.Name
		if g.user.Email != "" {
			c["email"] = g.user.Email
			c["email_verified"] = g.user.EmailVerified
		}
	}
	s.mu.Lock()
	fn := s.claims
	s.mu.Unlock()
	if fn != nil {
		fn(c)
	}
	payload, _ := json.Marshal(c)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: s.key, KeyID: s.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		panic("oauthfake: " + err.Error())
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		panic("oauthfake: " + err.Error())
	}
	out, _ := jws.CompactSerialize()
	return out
}

// bearer is the person of the request's access token.
func (s *Server) bearer(r *http.Request) (User, string, bool) {
	tok := r.URL.Query().Get("access_token")
	if h := r.Header.Get("Authorization"); strings.HasPrefix(strings.ToLower(h), "bearer ") {
		tok = strings.TrimSpace(h[len("bearer "):])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.tokens[tok]
	return u, tok, ok
}

// userinfo is the OpenID Connect userinfo endpoint (Kakao's adds nickname).
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	u, _, ok := s.bearer(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		if s.opts.Provider == oauth.Kakao {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"msg": "this access token does not exist", "code": -401})
			return
		}
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_token"})
		return
	}
	out := map[string]any{"sub": u.Subject, "name": u.Name}
	if s.opts.Provider == oauth.Kakao {
		out["nickname"] = u.Name
	}
	if u.Email != "" {
		out["email"] = u.Email
		out["email_verified"] = u.EmailVerified
	}
	writeJSON(w, http.StatusOK, out)
}

// graphMe is Facebook's GET /me?fields=id,name,email, with the
// appsecret_proof the app's settings require. The e-mail is sent only when
// the person has one and it was asked for.
func (s *Server) graphMe(w http.ResponseWriter, r *http.Request) {
	u, tok, ok := s.bearer(r)
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "Invalid OAuth access token - Cannot parse access token",
			"type": "OAuthException", "code": 190, "fbtrace_id": randomString(8)}})
		return
	}
	mac := hmac.New(sha256.New, []byte(s.opts.ClientSecret))
	mac.Write([]byte(tok))
	if !hmac.Equal([]byte(r.URL.Query().Get("appsecret_proof")), []byte(hex.EncodeToString(mac.Sum(nil)))) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "Invalid appsecret_proof provided in the API argument",
			"type": "GraphMethodException", "code": 100, "fbtrace_id": randomString(8)}})
		return
	}
	out := map[string]any{"id": u.Subject}
	for _, f := range strings.Split(r.URL.Query().Get("fields"), ",") {
		switch f {
		case "name":
			out["name"] = u.Name
		case "email":
			if u.Email != "" {
				out["email"] = u.Email
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

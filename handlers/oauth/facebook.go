package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// facebookProvider is Facebook Login: the login dialog, the token endpoint,
// then the Graph API's /me?fields=id,name,email for the person. Facebook
// does not say whether it verified an address (its Graph API has no such
// field), so a Facebook e-mail never counts as verified.
type facebookProvider struct {
	cfg    Config
	client *http.Client
	oauth  *oauth2.Config
}

func newFacebook(cfg Config, client *http.Client) *facebookProvider {
	return &facebookProvider{cfg: cfg, client: client, oauth: &oauth2.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
		Scopes:   []string{"email", "public_profile"},
		Endpoint: oauth2.Endpoint{AuthURL: cfg.AuthURL, TokenURL: cfg.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
	}}
}

func (p *facebookProvider) Name() string { return Facebook }

// AuthCodeURL has no nonce: without an ID token, state and PKCE bind the answer.
func (p *facebookProvider) AuthCodeURL(_ context.Context, state, _, verifier string) (string, error) {
	return p.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), nil
}

// graphError is the Graph API's error body.
type graphError struct {
	Error struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    int    `json:"code"`
	} `json:"error"`
}

func (p *facebookProvider) Exchange(ctx context.Context, code, verifier, _ string) (Identity, error) {
	tok, err := p.oauth.Exchange(context.WithValue(ctx, oauth2.HTTPClient, p.client), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Identity{}, exchangeError(Facebook, err)
	}
	// appsecret_proof proves the call comes from the app's server.
	mac := hmac.New(sha256.New, []byte(p.cfg.ClientSecret))
	mac.Write([]byte(tok.AccessToken))
	q := url.Values{"fields": {"id,name,email"}, "appsecret_proof": {hex.EncodeToString(mac.Sum(nil))}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(p.cfg.GraphURL, "/")+"/me?"+q.Encode(), nil)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: facebook graph: %v", ErrUnavailable, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err := p.client.Do(req)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: facebook graph: %v", ErrUnavailable, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return Identity{}, fmt.Errorf("%w: facebook graph: %v", ErrUnavailable, err)
	}
	if res.StatusCode != http.StatusOK {
		var ge graphError
		_ = json.Unmarshal(body, &ge)
		if res.StatusCode >= 400 && res.StatusCode < 500 {
			return Identity{}, fmt.Errorf("%w: facebook graph %d: %s", ErrTokenInvalid, res.StatusCode, ge.Error.Message)
		}
		return Identity{}, fmt.Errorf("%w: facebook graph %d", ErrUnavailable, res.StatusCode)
	}
	var me struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	if err := json.Unmarshal(body, &me); err != nil || me.ID == "" {
		return Identity{}, fmt.Errorf("%w: facebook graph: not a person (%v)", ErrUnavailable, err)
	}
	return Identity{Provider: Facebook, Subject: me.ID, Email: me.Email, EmailVerified: false, Name: strings.TrimSpace(me.Name)}, nil
}

package app

import (
	"fmt"
	"strings"

	"github.com/illuwa/illuwa/handlers/oauth"
)

// OAuthProviderConfig is one sign-in provider's client registration and
// endpoints. A provider with no client id is off (no button, 404).
type OAuthProviderConfig struct {
	ClientID, ClientSecret string
	Issuer                 string // OpenID Connect providers (Kakao, Google)
	AuthURL, TokenURL      string // Facebook
	GraphURL               string // Facebook
}

// OAuthConfig holds the sign-in providers' settings.
type OAuthConfig struct {
	Kakao, Google, Facebook OAuthProviderConfig
}

// oauthSettings lists the OAuthConfig settings, each bound to its field of c.
func oauthSettings(c *OAuthConfig) []setting {
	out := []setting{}
	for _, p := range []struct {
		env, flag, label string
		cfg              *OAuthProviderConfig
	}{{"KAKAO", "kakao", "Kakao", &c.Kakao}, {"GOOGLE", "google", "Google", &c.Google}, {"FACEBOOK", "facebook", "Facebook", &c.Facebook}} {
		env, flag := "ILLUWA_OAUTH_"+p.env+"_", "oauth-"+p.flag+"-"
		out = append(out,
			setting{env + "CLIENT_ID", flag + "client-id", "", "the " + p.label + " app's client id; empty turns sign-in with " + p.label + " off",
				textValue{&p.cfg.ClientID, true, nil}},
			setting{env + "CLIENT_SECRET", flag + "client-secret", "", "the " + p.label + " app's client secret (required with its client id)",
				textValue{&p.cfg.ClientSecret, true, nil}})
		switch p.env {
		case "KAKAO", "GOOGLE":
			def := oauth.KakaoIssuer
			if p.env == "GOOGLE" {
				def = oauth.GoogleIssuer
			}
			out = append(out, setting{env + "ISSUER", flag + "issuer", def, p.label + "'s OpenID Connect issuer (its discovery document is <issuer>/.well-known/openid-configuration)",
				textValue{&p.cfg.Issuer, false, httpURL}})
		default:
			out = append(out,
				setting{env + "AUTH_URL", flag + "auth-url", oauth.FacebookAuthURL, "Facebook's login dialog", textValue{&p.cfg.AuthURL, false, httpURL}},
				setting{env + "TOKEN_URL", flag + "token-url", oauth.FacebookTokenURL, "Facebook's token endpoint", textValue{&p.cfg.TokenURL, false, httpURL}},
				setting{env + "GRAPH_URL", flag + "graph-url", oauth.FacebookGraphURL, "Facebook's Graph API base, its version included", textValue{&p.cfg.GraphURL, false, httpURL}})
		}
	}
	return out
}

// check refuses a provider with a client id but no secret, or the reverse.
func (c OAuthConfig) check() error {
	for _, p := range []struct {
		env string
		cfg OAuthProviderConfig
	}{{"KAKAO", c.Kakao}, {"GOOGLE", c.Google}, {"FACEBOOK", c.Facebook}} {
		if (p.cfg.ClientID == "") != (p.cfg.ClientSecret == "") {
			return fmt.Errorf("invalid ILLUWA_OAUTH_%s_CLIENT_SECRET: set it together with ILLUWA_OAUTH_%s_CLIENT_ID", p.env, p.env)
		}
	}
	return nil
}

// providers builds the configured providers; their callbacks are under
// publicURL (no trailing slash).
func (c OAuthConfig) providers(publicURL string) (*oauth.Providers, error) {
	var list []oauth.Provider
	for _, p := range []struct {
		name string
		cfg  OAuthProviderConfig
	}{{oauth.Kakao, c.Kakao}, {oauth.Google, c.Google}, {oauth.Facebook, c.Facebook}} {
		if p.cfg.ClientID == "" {
			continue
		}
		prov, err := oauth.New(p.name, oauth.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Issuer: p.cfg.Issuer,
			AuthURL: p.cfg.AuthURL, TokenURL: p.cfg.TokenURL, GraphURL: p.cfg.GraphURL,
			RedirectURL: strings.TrimRight(publicURL, "/") + "/api/v1/auth/oauth/" + p.name + "/callback"}, nil)
		if err != nil {
			return nil, err
		}
		list = append(list, prov)
	}
	return oauth.NewProviders(list...), nil
}

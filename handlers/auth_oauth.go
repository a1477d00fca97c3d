package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/accounts"
)

// Sign-in through OAuth2 / OpenID Connect providers. The browser goes to
// /start, which binds the sign-in to it with a cookie and redirects to the
// provider; the provider sends it back to /callback, which redirects to the
// web app's /oauth.html with a single-use ticket in the fragment (never a
// session token in an address). The page claims the ticket with POST
// /auth/oauth/ticket, and links an account (/link) or makes one (/signup)
// when the ticket says so. The accounts service decides each step.

// oauthCookie binds a sign-in in progress to the browser that started it.
// SameSite=Lax: the provider's redirect back is a top-level navigation from
// another site, on which a Strict cookie would not be sent.
const oauthCookie = "illuwa_oauth"

// oauthPage is the web app's page that finishes a sign-in.
const oauthPage = "/oauth.html"

func setOAuthCookie(c *gin.Context, binding string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: oauthCookie, Value: binding, Path: "/api/v1/auth/oauth", MaxAge: 30 * 60,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https"})
}

func oauthBinding(c *gin.Context) string {
	ck, err := c.Request.Cookie(oauthCookie)
	if err != nil || len(ck.Value) > accounts.MaxTokenLen {
		return ""
	}
	return ck.Value
}

type oauthProvider struct {
	Name string `json:"name"`
}

type oauthProviders struct {
	Providers []oauthProvider `json:"providers"`
}

// oauthProviders lists the configured providers (the login page's buttons).
func (s *Server) oauthProviders(c *gin.Context) {
	out := oauthProviders{Providers: []oauthProvider{}}
	for _, n := range s.account.OAuthProviders() {
		out.Providers = append(out.Providers, oauthProvider{Name: n})
	}
	c.JSON(http.StatusOK, out)
}

// oauthStart redirects to the provider's authorization address.
func (s *Server) oauthStart(c *gin.Context) {
	binding := oauthBinding(c)
	if binding == "" {
		b, err := accounts.NewOAuthBinding()
		if err != nil {
			s.oauthFail(c, err)
			return
		}
		binding = b
	}
	to, err := s.account.OAuthStart(c.Request.Context(), c.Param("provider"), binding)
	if err != nil {
		s.oauthFail(c, err)
		return
	}
	setOAuthCookie(c, binding)
	redirect(c, http.StatusFound, to)
}

// oauthCallback takes the provider's answer and sends the browser to the
// web app's page with a ticket.
func (s *Server) oauthCallback(c *gin.Context) {
	ticket, err := s.account.OAuthCallback(c.Request.Context(), c.Param("provider"), oauthBinding(c),
		c.Query("state"), c.Query("code"), c.Query("error"))
	if err != nil {
		s.oauthFail(c, err)
		return
	}
	redirect(c, http.StatusSeeOther, oauthPage+"#"+url.Values{"ticket": {ticket}}.Encode())
}

// oauthFail answers a failed redirect step: a browser (which asked for
// HTML) is sent to the web app's page with the problem's code, anything
// else gets the problem+json.
func (s *Server) oauthFail(c *gin.Context, err error) {
	if !strings.Contains(c.GetHeader("Accept"), "text/html") {
		fail(c, err)
		return
	}
	ae, ok := problemFor(err)
	if !ok {
		logger(c).ErrorContext(c.Request.Context(), "oauth sign-in failed", "error", err.Error())
	}
	redirect(c, http.StatusSeeOther, oauthPage+"#"+url.Values{"error": {ae.code}}.Encode())
}

// redirect answers a redirect with no body.
func redirect(c *gin.Context, status int, to string) {
	c.Header("Location", to)
	c.AbortWithStatus(status)
}

type oauthTicketRequest struct {
	Ticket string `json:"ticket"`
}

type oauthLinkRequest struct {
	Ticket   string `json:"ticket"`
	Password string `json:"password"`
}

type oauthSignupRequest struct {
	Ticket string `json:"ticket"`
	accounts.OAuthNewUser
}

// oauthTicket claims a ticket: signed in (the session, as a login answers
// it), or the next step.
func (s *Server) oauthTicket(c *gin.Context) {
	var req oauthTicketRequest
	if !bindJSON(c, &req) {
		return
	}
	out, err := s.account.OAuthClaim(c.Request.Context(), req.Ticket, oauthBinding(c))
	if err != nil {
		fail(c, err)
		return
	}
	if out.Session != nil {
		setSessionCookie(c, out.Session.Token, out.Session.ExpiresAt)
	}
	c.JSON(http.StatusOK, out)
}

// oauthLink links the identity to the existing account whose password is given.
func (s *Server) oauthLink(c *gin.Context) {
	var req oauthLinkRequest
	if !bindJSON(c, &req) {
		return
	}
	sess, err := s.account.OAuthLink(c.Request.Context(), c.ClientIP(), req.Ticket, oauthBinding(c), req.Password)
	if err != nil {
		fail(c, err)
		return
	}
	setSessionCookie(c, sess.Token, sess.ExpiresAt)
	c.JSON(http.StatusOK, sess)
}

// oauthSignup makes a new account for the identity.
func (s *Server) oauthSignup(c *gin.Context) {
	var req oauthSignupRequest
	if !bindJSON(c, &req) {
		return
	}
	sess, err := s.account.OAuthSignUp(c.Request.Context(), c.ClientIP(), req.Ticket, oauthBinding(c), req.OAuthNewUser)
	if err != nil {
		fail(c, err)
		return
	}
	setSessionCookie(c, sess.Token, sess.ExpiresAt)
	c.Header("Location", "/api/v1/me")
	c.JSON(http.StatusCreated, sess)
}

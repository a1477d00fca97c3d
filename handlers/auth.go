package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/store"
)

// The account endpoints: the accounts service decides, these bind the body,
// set the session cookie and answer.

func (s *Server) signup(c *gin.Context) {
	var req accounts.NewUser
	if !bindJSON(c, &req) {
		return
	}
	u, err := s.account.SignUp(c.Request.Context(), c.ClientIP(), req)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/me")
	c.JSON(http.StatusCreated, u)
}

func (s *Server) login(c *gin.Context) {
	var req accounts.Credentials
	if !bindJSON(c, &req) {
		return
	}
	sess, err := s.account.Login(c.Request.Context(), c.ClientIP(), req)
	if err != nil {
		fail(c, err)
		return
	}
	setSessionCookie(c, sess.Token, sess.ExpiresAt)
	c.JSON(http.StatusOK, sess)
}

// logout revokes the token at once: HTTP requests with it fail from now on,
// and WebSocket connections opened with it are closed on every instance.
// With ?all=true every session of the user ends (log out everywhere).
func (s *Server) logout(c *gin.Context) {
	all, err := strconv.ParseBool(c.DefaultQuery("all", "false"))
	if err != nil {
		fail(c, validationError([]FieldError{{Field: "all", Message: "must be true or false"}}))
		return
	}
	if all {
		err = s.account.LogoutAll(c.Request.Context(), currentUser(c).ID)
	} else {
		err = s.account.Logout(c.Request.Context(), currentUser(c).ID, c.GetString(ctxToken))
	}
	if err != nil {
		fail(c, err)
		return
	}
	setSessionCookie(c, "", time.Time{})
	c.Status(http.StatusNoContent)
}

// sessionCookie carries the token for browsers' WebSocket connections.
const sessionCookie = "illuwa_session"

// setSessionCookie sets (or, with an empty token, clears) the session cookie:
// HttpOnly, SameSite=Strict, Secure over TLS.
func setSessionCookie(c *gin.Context, token string, expires time.Time) {
	ck := &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https"} // Secure needs no trust: it only restricts
	if token == "" {
		ck.MaxAge = -1
	} else {
		ck.Expires = expires
	}
	http.SetCookie(c.Writer, ck)
}

func (s *Server) me(c *gin.Context) {
	c.JSON(http.StatusOK, accounts.ViewOf(currentUser(c)))
}

func (s *Server) patchMe(c *gin.Context) {
	var req accounts.ProfilePatch
	if !bindJSON(c, &req) {
		return
	}
	out, err := s.account.UpdateProfile(c.Request.Context(), currentUser(c), c.GetString(ctxToken), req)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// authenticate resolves a bearer token, when one is sent, to its user. A
// token that is sent but invalid is a 401 at once; no token leaves the request
// anonymous for requireUser to judge.
func (s *Server) authenticate(c *gin.Context) {
	token, ok := bearerToken(c.Request)
	if !ok {
		c.Next()
		return
	}
	if isDeviceToken(token) {
		s.authenticateDevice(c, token)
		return
	}
	u, hash, err := s.account.Authenticate(c.Request.Context(), token)
	if err != nil {
		fail(c, err) // accounts.ErrInvalidToken is a 401; a database failure a 500
		return
	}
	c.Set(ctxUser, u)
	c.Set(ctxToken, hash)
	c.Next()
}

// bearerToken reads "Authorization: Bearer <token>". A token of any length
// counts as sent, so that an overlong one is refused rather than ignored.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// requireUser answers 401 to anonymous requests.
func requireUser(c *gin.Context) {
	if _, ok := c.Get(ctxUser); !ok {
		c.Header("WWW-Authenticate", `Bearer realm="illuwa"`)
		fail(c, errUnauthorized)
		return
	}
	c.Next()
}

// requireRole answers 403 unless the user has one of the roles.
func requireRole(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := currentUser(c)
		for _, r := range roles {
			if u.Role == r {
				c.Next()
				return
			}
		}
		fail(c, errorf(http.StatusForbidden, "forbidden", "this needs the role "+strings.Join(roles, " or ")))
	}
}

// currentUser is the authenticated user; only call it behind requireUser.
func currentUser(c *gin.Context) store.User {
	u, _ := c.Get(ctxUser)
	user, _ := u.(store.User)
	return user
}

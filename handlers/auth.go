package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// userResponse is a user as the API shows it: never the password hash.
type userResponse struct {
	ID        uint64    `json:"id"`
	LoginID   string    `json:"login_id"`
	Nickname  string    `json:"nickname"`
	Email     string    `json:"email"`
	Phone     string    `json:"phone"`
	Role      string    `json:"role"`
	Verified  bool      `json:"verified"`
	CreatedAt time.Time `json:"created_at"`
}

func toUser(u store.User) userResponse {
	return userResponse{ID: u.ID, LoginID: u.LoginID, Nickname: u.Nickname, Email: u.Email, Phone: u.Phone,
		Role: u.Role, Verified: u.Verified, CreatedAt: u.CreatedAt}
}

type signupRequest struct {
	LoginID  string `json:"login_id"`
	Password string `json:"password"`
	Nickname string `json:"nickname"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	Role     string `json:"role"`
}

var (
	loginIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{3,31}$`)
	phonePattern   = regexp.MustCompile(`^\+?[0-9]{9,15}$`)
)

// normalizeLoginID makes login ids case-insensitive on every database.
func normalizeLoginID(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// normalizePhone drops the spaces, dashes and dots people type in numbers.
func normalizePhone(s string) string {
	return strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "").Replace(strings.TrimSpace(s))
}

func checkEmail(cs *check.Fields, field, email string) {
	a, err := mail.ParseAddress(email)
	cs.Add(err != nil || a.Address != email || len(email) > 254, field, "must be a plain e-mail address like name@example.com")
}

func checkPhone(cs *check.Fields, field, phone string) {
	cs.Add(!phonePattern.MatchString(normalizePhone(phone)), field, "must be a phone number of 9 to 15 digits, like 010-1234-5678")
}

// checkNickname checks a nickname as it will be stored: trimmed.
func checkNickname(cs *check.Fields, field, nick string) {
	cs.Name(field, &nick, true, 30)
}

func checkPasswordRules(cs *check.Fields, field, pw string) {
	cs.Add(len(pw) < 8 || len(pw) > 128, field, "must be 8 to 128 bytes long")
}

func (r *signupRequest) validate() error {
	var cs check.Fields
	r.LoginID = normalizeLoginID(r.LoginID)
	cs.Add(!loginIDPattern.MatchString(r.LoginID), "login_id", "must be 4 to 32 characters: letters, digits, '_', '.', '-', starting with a letter or digit")
	checkPasswordRules(&cs, "password", r.Password)
	checkNickname(&cs, "nickname", r.Nickname)
	checkEmail(&cs, "email", r.Email)
	checkPhone(&cs, "phone", r.Phone)
	cs.Add(r.Role != store.RoleCustomer && r.Role != store.RoleOwner, "role", "must be customer or owner")
	return cs.Err()
}

func (s *Server) signup(c *gin.Context) {
	var req signupRequest
	if !bindValid(c, &req, func() error { return req.validate() }) {
		return
	}
	try, ok, retry := s.signups.take(time.Now(), "ip:"+c.ClientIP())
	if !ok {
		c.Header("Retry-After", strconv.Itoa(int(retry.Seconds()+0.5)))
		fail(c, errorf(http.StatusTooManyRequests, "too_many_attempts", "too many sign-ups from this address; wait and try again"))
		return
	}
	_ = try // every sign-up attempt counts
	hash, err := s.hashPassword(c.Request.Context(), req.Password)
	if err != nil {
		if errors.Is(err, errHashBusy) {
			err = errBusy
		}
		fail(c, err)
		return
	}
	u := store.User{LoginID: req.LoginID, PasswordHash: hash, Nickname: strings.TrimSpace(req.Nickname),
		Email: req.Email, Phone: normalizePhone(req.Phone), Role: req.Role}
	if err := s.store.CreateUser(c.Request.Context(), &u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			e := errorf(http.StatusConflict, "login_id_taken", "that login id is taken")
			e.fields = []FieldError{{Field: "login_id", Message: "already taken"}}
			fail(c, e)
			return
		}
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/me")
	c.JSON(http.StatusCreated, toUser(u))
}

type loginRequest struct {
	LoginID  string `json:"login_id"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string       `json:"token"`
	ExpiresAt time.Time    `json:"expires_at"`
	User      userResponse `json:"user"`
}

func (s *Server) login(c *gin.Context) {
	var req loginRequest
	if !bindJSON(c, &req) {
		return
	}
	req.LoginID = normalizeLoginID(req.LoginID)
	var cs check.Fields
	cs.Add(req.LoginID == "" || len(req.LoginID) > 64, "login_id", "required")
	cs.Add(req.Password == "" || len(req.Password) > 128, "password", "required")
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	now := time.Now()
	try, ok, retry := s.logins.take(now, "ip:"+c.ClientIP(), "login:"+req.LoginID)
	if !ok {
		c.Header("Retry-After", strconv.Itoa(int(retry.Seconds()+0.5)))
		fail(c, errorf(http.StatusTooManyRequests, "too_many_attempts", "too many failed logins; wait and try again"))
		return
	}
	u, err := s.store.UserByLoginID(c.Request.Context(), req.LoginID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		try.refund(now)
		fail(c, err)
		return
	}
	hash := u.PasswordHash
	if err != nil {
		hash = dummyHash
	}
	ok, herr := s.checkPassword(c.Request.Context(), hash, req.Password)
	if errors.Is(herr, errHashBusy) {
		try.refund(now)
		fail(c, errBusy)
		return
	}
	if err != nil || herr != nil || !ok {
		fail(c, errorf(http.StatusUnauthorized, "invalid_credentials", "wrong login id or password"))
		return
	}
	try.refund(now)
	token, sess, err := newSession(u.ID, now, s.opts.SessionTTL)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.store.CreateSession(c.Request.Context(), &sess); err != nil {
		fail(c, err)
		return
	}
	setSessionCookie(c, token, sess.ExpiresAt)
	c.JSON(http.StatusOK, loginResponse{Token: token, ExpiresAt: sess.ExpiresAt, User: toUser(u)})
}

// newSession makes a random bearer token and the session that stores its hash.
func newSession(userID uint64, now time.Time, ttl time.Duration) (string, store.Session, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", store.Session{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	return token, store.Session{TokenHash: hashToken(token), UserID: userID, ExpiresAt: now.Add(ttl).UTC()}, nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// logout revokes the token at once: HTTP requests with it fail from now on,
// and WebSocket connections opened with it are closed on every instance.
func (s *Server) logout(c *gin.Context) {
	ctx := c.Request.Context()
	tokenHash := c.GetString(ctxToken)
	if err := s.store.DeleteSession(ctx, tokenHash); err != nil {
		fail(c, err)
		return
	}
	if s.hub != nil {
		if err := s.hub.EndSession(ctx, currentUser(c).ID, tokenHash); err != nil {
			logger(c).WarnContext(ctx, "closing the session's connections failed", "error", err.Error())
		}
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
		Secure: c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https"}
	if token == "" {
		ck.MaxAge = -1
	} else {
		ck.Expires = expires
	}
	http.SetCookie(c.Writer, ck)
}

func (s *Server) me(c *gin.Context) {
	c.JSON(http.StatusOK, toUser(currentUser(c)))
}

type patchMeRequest struct {
	Nickname        *string `json:"nickname"`
	Email           *string `json:"email"`
	Phone           *string `json:"phone"`
	Password        *string `json:"password"`
	CurrentPassword *string `json:"current_password"`
}

func (s *Server) patchMe(c *gin.Context) {
	var req patchMeRequest
	if !bindJSON(c, &req) {
		return
	}
	u := currentUser(c)
	var cs check.Fields
	if req.Nickname != nil {
		checkNickname(&cs, "nickname", *req.Nickname)
	}
	if req.Email != nil {
		checkEmail(&cs, "email", *req.Email)
	}
	if req.Phone != nil {
		checkPhone(&cs, "phone", *req.Phone)
	}
	if req.Password != nil {
		checkPasswordRules(&cs, "password", *req.Password)
		cs.Add(req.CurrentPassword == nil, "current_password", "required to change the password")
	}
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	patch := store.UserPatch{Nickname: req.Nickname, Email: req.Email}
	if req.Nickname != nil {
		n := strings.TrimSpace(*req.Nickname)
		patch.Nickname = &n
	}
	if req.Phone != nil {
		p := normalizePhone(*req.Phone)
		patch.Phone = &p
	}
	if req.Password != nil && !s.checkCurrentPassword(c, u, *req.CurrentPassword) {
		return
	}
	if req.Password != nil {
		h, err := s.hashPassword(c.Request.Context(), *req.Password)
		if err != nil {
			fail(c, err)
			return
		}
		patch.PasswordHash = &h
	}
	out, err := s.store.UpdateUser(c.Request.Context(), u.ID, patch)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toUser(out))
}

// checkCurrentPassword checks the current_password of a password change. Wrong
// guesses are counted like failed logins (per user), so a stolen token cannot
// be used to guess the password without limit; a busy hasher is a 503, never
// a wrong password. It answers the request itself and returns false on failure.
func (s *Server) checkCurrentPassword(c *gin.Context, u store.User, current string) bool {
	now := time.Now()
	try, ok, retry := s.logins.take(now, "password:"+itoa(u.ID))
	if !ok {
		c.Header("Retry-After", strconv.Itoa(int(retry.Seconds()+0.5)))
		fail(c, errorf(http.StatusTooManyRequests, "too_many_attempts", "too many wrong current passwords; wait and try again"))
		return false
	}
	ok, err := s.checkPassword(c.Request.Context(), u.PasswordHash, current)
	switch {
	case errors.Is(err, errHashBusy):
		try.refund(now)
		fail(c, errBusy)
		return false
	case err != nil && !errors.Is(err, errBadHash):
		try.refund(now)
		fail(c, err)
		return false
	case !ok:
		fail(c, errorf(http.StatusForbidden, "invalid_credentials", "the current password is wrong"))
		return false
	}
	try.refund(now)
	return true
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
	u, err := s.userForToken(c, token)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			fail(c, errorf(http.StatusUnauthorized, "invalid_token", "the token is unknown, expired or revoked"))
			return
		}
		fail(c, err)
		return
	}
	c.Set(ctxUser, u)
	c.Set(ctxToken, hashToken(token))
	c.Next()
}

// maxTokenLen bounds a token worth looking up; ours are 43 characters.
const maxTokenLen = 256

// userForToken returns the user of an unexpired session, or an error wrapping
// store.ErrNotFound; a token too long to be ours is not looked up.
func (s *Server) userForToken(c *gin.Context, token string) (store.User, error) {
	if len(token) > maxTokenLen {
		return store.User{}, fmt.Errorf("handlers: token of %d bytes: %w", len(token), store.ErrNotFound)
	}
	return s.store.UserBySessionToken(c.Request.Context(), hashToken(token), time.Now().UTC())
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

// Package accounts is sign-up, login, logout, profile changes and the
// authentication of every request. Passwords are hashed with argon2id, a
// few at a time (ErrBusy when too many wait); failed logins and wrong
// current passwords are limited per client address, login id and user, the
// attempt taken before any hashing; a session is an opaque token of which
// only the SHA-256 is stored. It knows nothing of HTTP: its refusals are the
// sentinels below, which the HTTP and WebSocket layers map to answers.
package accounts

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/limit"
	"github.com/illuwa/illuwa/handlers/oauth"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// The refusals of the accounts service.
var (
	// ErrInvalidCredentials: the login id is unknown or the password wrong
	// (the two are not told apart).
	ErrInvalidCredentials = errors.New("accounts: wrong login id or password")
	// ErrWrongPassword: the current password given with a password change is wrong.
	ErrWrongPassword = errors.New("accounts: the current password is wrong")
	// ErrTooManyAttempts: the caller's budget of sign-ups, failed logins or
	// wrong current passwords is spent. It comes as a *check.Explained whose
	// RetryAfter says how long to wait.
	ErrTooManyAttempts = errors.New("accounts: too many attempts")
	// ErrLoginTaken: another account has the login id. It comes as a
	// *check.Explained naming the login_id field.
	ErrLoginTaken = errors.New("accounts: that login id is taken")
	// ErrBusy: too many passwords are being hashed, so nothing was done (a
	// login or current-password check it stopped does not count); the caller
	// may try again in a moment.
	ErrBusy = errors.New("accounts: password hashing is saturated")
	// ErrInvalidToken: the token is unknown, expired, revoked or too long to be ours.
	ErrInvalidToken = errors.New("accounts: the token is unknown, expired or revoked")
	// ErrInvalidLink: a mailed verification or reset token is unknown,
	// expired, already used, or no longer matches the account (the e-mail
	// changed since); nothing was changed.
	ErrInvalidLink = errors.New("accounts: the link is unknown, expired or already used")
)

// SessionEnder closes, on every instance, the WebSocket connections opened
// with one session, or with every session of a user but one (keep "" keeps
// none); a *realtime.Hub satisfies it.
type SessionEnder interface {
	EndSession(ctx context.Context, userID uint64, session string) error
	EndOtherSessions(ctx context.Context, userID uint64, keep string) error
}

var _ SessionEnder = (*realtime.Hub)(nil)

// Options tune the service. The zero value of each field means its default.
type Options struct {
	SessionTTL    time.Duration // how long a login lasts; default 30 days
	LoginFailures int           // failed logins allowed per address before ErrTooManyAttempts; default 10
	LoginWindow   time.Duration // one failure is forgiven per LoginWindow/LoginFailures (and per LoginWindow/AccountFailures); default 15 minutes
	// AccountFailures is the softer budget of one account over all
	// addresses; past it an attempt on the account is not refused (that
	// would let anyone lock the owner out) but waits StepUpDelay first.
	// Default 10 × LoginFailures.
	AccountFailures int
	StepUpDelay     time.Duration // default 2 s
	Signups         int           // sign-ups allowed per address per hour (a burst of as many); default 20
	VerifyTTL       time.Duration // how long a verification link works; default 24 h
	ResetTTL        time.Duration // how long a password reset link works; default 1 h
	Resends         int           // verification mails one user may ask for per hour; default 3
	Resets          int           // reset mails per client address and per e-mail address per hour; default 5
	OAuthTTL        time.Duration // how long a started sign-in, and a provider's answer, stay usable; default 10 minutes
	// HashMemoryKiB and HashTime are the argon2id cost of new password
	// hashes; default 19 MiB and 2 passes (OWASP's minimum). Only tests
	// lower them.
	HashMemoryKiB, HashTime uint32
}

func (o Options) withDefaults() Options {
	if o.HashMemoryKiB == 0 {
		o.HashMemoryKiB = argonMemoryKiB
	}
	if o.HashTime == 0 {
		o.HashTime = argonTime
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 30 * 24 * time.Hour
	}
	if o.LoginFailures <= 0 {
		o.LoginFailures = 10
	}
	if o.LoginWindow <= 0 {
		o.LoginWindow = 15 * time.Minute
	}
	if o.AccountFailures <= 0 {
		o.AccountFailures = 10 * o.LoginFailures
	}
	if o.StepUpDelay <= 0 {
		o.StepUpDelay = 2 * time.Second
	}
	if o.Signups <= 0 {
		o.Signups = 20
	}
	if o.VerifyTTL <= 0 {
		o.VerifyTTL = 24 * time.Hour
	}
	if o.ResetTTL <= 0 {
		o.ResetTTL = time.Hour
	}
	if o.Resends <= 0 {
		o.Resends = 3
	}
	if o.Resets <= 0 {
		o.Resets = 5
	}
	if o.OAuthTTL <= 0 {
		o.OAuthTTL = 10 * time.Minute
	}
	return o
}

// Deps are what the service needs. Store is required; a nil Sessions ends
// no connections at logout; a nil Mail sends no mail (verification and
// reset links are then never delivered); a nil Log discards.
type Deps struct {
	Store    *store.Store
	Sessions SessionEnder
	Mail     Mailer
	Notices  Notices // tells owners of approval decisions; nil tells nobody
	// Limits keeps the attempt budgets (logins, sign-ups, mails) in Redis,
	// one for every instance; nil keeps them per instance.
	Limits *limit.Shared
	// OAuth are the configured sign-in providers; nil or empty offers none.
	OAuth *oauth.Providers
	// PublicURL is where users reach the web app (no trailing slash): the
	// links in mail start with it.
	PublicURL string
	Log       *slog.Logger
	Options   Options
	Now       func() time.Time // the clock; nil is time.Now
}

// Service is the accounts service.
type Service struct {
	store    *store.Store
	sessions SessionEnder
	mail     Mailer
	notices  Notices
	oauth    *oauth.Providers
	public   string
	log      *slog.Logger
	opts     Options
	now      func() time.Time
	logins   *limit.Attempts // failed logins per address and wrong current passwords
	accounts *limit.Attempts // failed logins per account, over all addresses (soft)
	signups  *limit.Attempts
	resends  *limit.Attempts                                  // verification mails per user
	resets   *limit.Attempts                                  // reset mails per client address and per e-mail address
	sleep    func(ctx context.Context, d time.Duration) error // the step-up wait
	hashWait time.Duration
	slots    chan struct{} // argon2 computations in flight
	dummy    string        // the hash an unknown login id is checked against
}

// New builds the service.
func New(d Deps) *Service {
	opts := d.Options.withDefaults()
	s := &Service{store: d.Store, sessions: d.Sessions, mail: d.Mail, notices: d.Notices, oauth: d.OAuth, public: strings.TrimRight(d.PublicURL, "/"), log: d.Log, opts: opts, now: d.Now, hashWait: defaultHashWait, slots: make(chan struct{}, hashSlotCount()),
		logins:   limit.New(opts.LoginFailures, opts.LoginWindow/time.Duration(opts.LoginFailures)).Share(d.Limits, "logins"),
		accounts: limit.New(opts.AccountFailures, opts.LoginWindow/time.Duration(opts.AccountFailures)).Share(d.Limits, "accounts"),
		signups:  limit.New(opts.Signups, time.Hour/time.Duration(opts.Signups)).Share(d.Limits, "signups"),
		resends:  limit.New(opts.Resends, time.Hour/time.Duration(opts.Resends)).Share(d.Limits, "resends"),
		resets:   limit.New(opts.Resets, time.Hour/time.Duration(opts.Resets)).Share(d.Limits, "resets"),
		sleep:    sleepCtx,
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.dummy = newDummyHash(opts.HashMemoryKiB, opts.HashTime)
	return s
}

// sleepCtx waits d, or until ctx ends (its error).
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tooMany is ErrTooManyAttempts with its detail and wait.
func tooMany(detail string, wait time.Duration) error {
	return &check.Explained{Err: ErrTooManyAttempts, Detail: detail, RetryAfter: wait}
}

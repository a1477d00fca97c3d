package accounts

import (
	"context"
	"errors"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// Credentials are what a login sends.
type Credentials struct {
	LoginID  string `json:"login_id"`
	Password string `json:"password"`
}

// Login checks the credentials and starts a session. client is the caller's
// address. One attempt is taken from the address's budget before anything is
// looked up or hashed, so parallel guesses cannot slip past (ErrTooManyAttempts
// when it is spent); a success, or a failure on our side (ErrBusy, the
// database, a cancelled wait), gives it back. The login id has a softer
// budget over all addresses: past it the attempt is not refused, so nobody
// can lock the owner out, but waits Options.StepUpDelay first, which keeps
// guesses from many addresses slow. An unknown login id costs a hash like a
// wrong password and is the same ErrInvalidCredentials.
func (s *Service) Login(ctx context.Context, client string, cr Credentials) (Session, error) {
	login := normalizeLoginID(cr.LoginID)
	var cs check.Fields
	cs.Add(login == "" || len(login) > 64, "login_id", "required")
	cs.Add(cr.Password == "" || len(cr.Password) > 128, "password", "required")
	if err := cs.Err(); err != nil {
		return Session{}, err
	}
	now := s.now()
	try, ok, wait := s.logins.Take(now, "ip:"+client)
	if !ok {
		return Session{}, tooMany("too many failed logins from this address; wait and try again", wait)
	}
	acct, ok, _ := s.accounts.Take(now, "login:"+login)
	if !ok {
		if err := s.sleep(ctx, s.opts.StepUpDelay); err != nil {
			try.Refund(now)
			return Session{}, err
		}
	}
	refund := func() {
		try.Refund(now)
		if acct != nil {
			acct.Refund(now)
		}
	}
	u, err := s.store.UserByLoginID(ctx, login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		refund()
		return Session{}, err
	}
	// An account without a password (made through a sign-in provider, or
	// deleted) costs the same hash as an unknown login id and fails like it.
	known := err == nil && u.PasswordHash != ""
	hash := u.PasswordHash
	if !known {
		hash = s.dummy
	}
	match, herr := s.check(ctx, hash, cr.Password)
	if herr != nil && !errors.Is(herr, errBadHash) {
		refund() // busy or cancelled: not a guess
		return Session{}, herr
	}
	if !known || herr != nil || !match {
		return Session{}, ErrInvalidCredentials
	}
	refund()
	if u.SuspendedAt != nil {
		return Session{}, ErrSuspended // told only to whoever knows the password
	}
	return s.startSession(ctx, u)
}

// startSession makes a session for u and stores it.
func (s *Service) startSession(ctx context.Context, u store.User) (Session, error) {
	token, sess, err := newSession(u.ID, s.now(), s.opts.SessionTTL)
	if err != nil {
		return Session{}, err
	}
	if err := s.store.CreateSession(ctx, &sess); err != nil {
		return Session{}, err
	}
	return Session{Token: token, ExpiresAt: sess.ExpiresAt, User: ViewOf(u)}, nil
}

package accounts

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// RequestPasswordReset mails every account with that e-mail address a reset
// link. Its answer says nothing of whether the address is registered: an
// unknown address is nil too (and gets no mail); the work is a lookup and,
// when found, one row queued, so the two take the same time class. Asking
// too often from one client address, or for one e-mail address, is
// ErrTooManyAttempts either way.
func (s *Service) RequestPasswordReset(ctx context.Context, client, email string) error {
	email = strings.TrimSpace(email)
	var cs check.Fields
	checkEmail(&cs, "email", email)
	if err := cs.Err(); err != nil {
		return err
	}
	if _, ok, wait := s.resets.Take(s.now(), "ip:"+client, "email:"+strings.ToLower(email)); !ok {
		return tooMany("too many password reset requests; wait and try again", wait)
	}
	users, err := s.store.UsersByEmail(ctx, email, 5)
	if err != nil {
		return err
	}
	for _, u := range users {
		token, err := s.newMailToken(ctx, u, store.TokenReset, s.opts.ResetTTL)
		if err != nil {
			return err
		}
		s.queue(ctx, resetMail(u, s.link("/reset", token), int(s.opts.ResetTTL/time.Minute)))
	}
	return nil
}

// ResetPassword spends a reset token and sets the new password: every
// session of the user ends, HTTP at once and WebSockets on every instance,
// and the user's other reset links stop working. A token not live is
// ErrInvalidLink; a password the rules refuse is a *check.Error and leaves
// the token unspent.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (View, error) {
	if token == "" || len(token) > MaxTokenLen {
		return View{}, ErrInvalidLink
	}
	h := HashToken(token)
	t, err := s.store.LiveAccountToken(ctx, store.TokenReset, h, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return View{}, ErrInvalidLink
	}
	if err != nil {
		return View{}, err
	}
	u, err := s.store.UserByID(ctx, t.UserID)
	if err != nil {
		return View{}, err
	}
	var cs check.Fields
	checkPasswordRules(&cs, "password", password, u.LoginID, u.Email)
	if err := cs.Err(); err != nil {
		return View{}, err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return View{}, err
	}
	u, err = s.store.ResetPassword(ctx, h, hash, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return View{}, ErrInvalidLink // spent meanwhile by another request
	}
	if err != nil {
		return View{}, err
	}
	s.endOtherConnections(ctx, u.ID, "")
	return ViewOf(u), nil
}

package accounts

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// newMailToken makes a random token and stores its hash for u's address.
func (s *Service) newMailToken(ctx context.Context, u store.User, purpose string, ttl time.Duration) (string, error) {
	token, sess, err := newSession(u.ID, s.now(), ttl) // the same 256-bit token and hash as a session's
	if err != nil {
		return "", err
	}
	t := store.AccountToken{UserID: u.ID, Purpose: purpose, TokenHash: sess.TokenHash, Email: u.Email, ExpiresAt: sess.ExpiresAt}
	if err := s.store.CreateAccountToken(ctx, &t); err != nil {
		return "", err
	}
	return token, nil
}

// sendVerification mails u a verification link for its current address.
func (s *Service) sendVerification(ctx context.Context, u store.User) error {
	if u.Email == "" || u.Verified || s.mail == nil {
		return nil
	}
	token, err := s.newMailToken(ctx, u, store.TokenVerify, s.opts.VerifyTTL)
	if err != nil {
		return err
	}
	s.queue(ctx, verifyMail(u, s.link("/verify", token), int(s.opts.VerifyTTL/time.Hour)))
	return nil
}

// ResendVerification mails the user a new verification link, at most
// Options.Resends an hour (then ErrTooManyAttempts with the wait). An
// address already verified gets no mail and no error.
func (s *Service) ResendVerification(ctx context.Context, u store.User) error {
	if u.Verified {
		return nil
	}
	if u.Email == "" {
		return &check.Error{Fields: []check.FieldError{{Field: "email", Message: "there is no e-mail address to verify; set one first"}}}
	}
	if _, ok, wait := s.resends.Take(s.now(), "verify:"+strconv.FormatUint(u.ID, 10)); !ok {
		return tooMany("too many verification mails; wait and try again", wait)
	}
	return s.sendVerification(ctx, u)
}

// Verify spends a verification token and marks its user's address verified.
// A token unknown, expired, used, or sent to an address the user has since
// changed is ErrInvalidLink.
func (s *Service) Verify(ctx context.Context, token string) (View, error) {
	if token == "" || len(token) > MaxTokenLen {
		return View{}, ErrInvalidLink
	}
	u, err := s.store.VerifyEmail(ctx, HashToken(token), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return View{}, ErrInvalidLink
	}
	if err != nil {
		return View{}, err
	}
	return ViewOf(u), nil
}

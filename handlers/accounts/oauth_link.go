package accounts

import (
	"context"
	"errors"
	"strings"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// OAuthNewUser is what a person new to Illuwa adds to a provider's
// identity: the role they pick and their login id, nickname and phone.
// Email may be left empty to take the provider's address.
type OAuthNewUser struct {
	Role           string `json:"role"`
	LoginID        string `json:"login_id"`
	Nickname       string `json:"nickname"`
	Phone          string `json:"phone"`
	Email          string `json:"email,omitempty"`
	BusinessNumber string `json:"business_number,omitempty"`
}

// OAuthLink links the ticket's identity to the account whose verified
// e-mail address matched, once the person proves that account's password:
// an e-mail match alone never links (no silent takeover). A wrong password
// is ErrInvalidCredentials, counted like a failed login, and links
// nothing; the ticket stays for another try. It then signs in.
func (s *Service) OAuthLink(ctx context.Context, client, ticket, binding, password string) (Session, error) {
	f, tp, err := s.ticket(ctx, ticket, binding)
	if err != nil {
		return Session{}, err
	}
	id := tp.Identity
	if !id.EmailVerified {
		return Session{}, ErrOAuthEmailUnverified
	}
	if tp.LinkTo == 0 {
		return Session{}, ErrOAuthNothingToLink
	}
	var cs check.Fields
	cs.Add(password == "" || len(password) > 128, "password", "required")
	if err := cs.Err(); err != nil {
		return Session{}, err
	}
	u, err := s.store.UserByID(ctx, tp.LinkTo)
	if err != nil {
		return Session{}, err
	}
	if u.LeftAt != nil {
		return Session{}, ErrOAuthNothingToLink
	}
	if err := s.provePassword(ctx, client, u, password); err != nil {
		return Session{}, err
	}
	if u.SuspendedAt != nil {
		return Session{}, ErrSuspended // told only to whoever knows the password
	}
	link := store.OAuthIdentity{Provider: id.Provider, Subject: id.Subject, UserID: u.ID, Email: id.Email, EmailVerified: id.EmailVerified}
	switch err := s.store.LinkOAuthIdentity(ctx, f.TokenHash, &link, s.now()); {
	case errors.Is(err, store.ErrNotFound):
		return Session{}, ErrOAuthTicket
	case errors.Is(err, store.ErrConflict):
		return Session{}, ErrOAuthLinked
	case err != nil:
		return Session{}, err
	}
	if !u.Verified && strings.EqualFold(u.Email, id.Email) {
		// The provider checked the address and the password proved the account.
		if err := s.store.SetVerified(ctx, u.ID, true); err != nil {
			return Session{}, err
		}
		u.Verified = true
	}
	s.log.InfoContext(ctx, "sign-in identity linked", "user_id", u.ID, "provider", id.Provider)
	return s.startSession(ctx, u)
}

// provePassword checks u's password under the login budgets (the client
// address's, and the softer one of the account): ErrInvalidCredentials
// when wrong, ErrTooManyAttempts when a budget is spent.
func (s *Service) provePassword(ctx context.Context, client string, u store.User, password string) error {
	now := s.now()
	try, ok, wait := s.logins.Take(now, "ip:"+client)
	if !ok {
		return tooMany("too many failed logins from this address; wait and try again", wait)
	}
	acct, ok, _ := s.accounts.Take(now, "login:"+u.LoginID)
	if !ok {
		if err := s.sleep(ctx, s.opts.StepUpDelay); err != nil {
			try.Refund(now)
			return err
		}
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = s.dummy // no password (made through a provider): the same cost, never a match
	}
	match, err := s.check(ctx, hash, password)
	if err != nil && !errors.Is(err, errBadHash) {
		try.Refund(now)
		if acct != nil {
			acct.Refund(now)
		}
		return err
	}
	if err != nil || !match || u.PasswordHash == "" {
		return ErrInvalidCredentials
	}
	try.Refund(now)
	if acct != nil {
		acct.Refund(now)
	}
	return nil
}

// OAuthSignUp makes a new account for the ticket's identity, with the role
// the person picked (customer, or owner: approved by an admin before a stall
// goes live), and signs in. The account has no password (a reset mail can
// set one). Its e-mail is verified only when it is the address the provider
// verified; otherwise a verification mail goes out.
func (s *Service) OAuthSignUp(ctx context.Context, client, ticket, binding string, nu OAuthNewUser) (Session, error) {
	f, tp, err := s.ticket(ctx, ticket, binding)
	if err != nil {
		return Session{}, err
	}
	id := tp.Identity
	email := strings.TrimSpace(nu.Email)
	if email == "" {
		email = id.Email
	}
	u, err := validateUser(NewUser{LoginID: nu.LoginID, Nickname: nu.Nickname, Email: email, Phone: nu.Phone, Role: nu.Role,
		BusinessNumber: nu.BusinessNumber}, false, "must be customer or owner", store.RoleCustomer, store.RoleOwner)
	if err != nil {
		return Session{}, err
	}
	if _, err := s.store.OAuthIdentityBySubject(ctx, id.Provider, id.Subject); err == nil {
		return Session{}, ErrOAuthLinked
	} else if !errors.Is(err, store.ErrNotFound) {
		return Session{}, err
	}
	if _, ok, wait := s.signups.Take(s.now(), "ip:"+client); !ok {
		return Session{}, tooMany("too many sign-ups from this address; wait and try again", wait)
	}
	u.Verified = id.EmailVerified && strings.EqualFold(u.Email, id.Email)
	link := store.OAuthIdentity{Provider: id.Provider, Subject: id.Subject, Email: id.Email, EmailVerified: id.EmailVerified}
	switch err := s.store.CreateOAuthUser(ctx, f.TokenHash, &u, &link, s.now()); {
	case errors.Is(err, store.ErrNotFound):
		return Session{}, ErrOAuthTicket
	case errors.Is(err, store.ErrConflict):
		if _, lerr := s.store.OAuthIdentityBySubject(ctx, id.Provider, id.Subject); lerr == nil {
			return Session{}, ErrOAuthLinked
		}
		return Session{}, &check.Explained{Err: ErrLoginTaken, Fields: []check.FieldError{{Field: "login_id", Message: "already taken"}}}
	case err != nil:
		return Session{}, err
	}
	if err := s.sendVerification(ctx, u); err != nil {
		s.log.ErrorContext(ctx, "verification mail not queued", "user_id", u.ID, "error", err.Error())
	}
	s.log.InfoContext(ctx, "account made through a sign-in provider", "user_id", u.ID, "provider", id.Provider, "role", u.Role)
	return s.startSession(ctx, u)
}

package accounts

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// ProfilePatch is a change of the caller's profile; nil leaves a field as it
// is. Changing the password, the e-mail or the phone (the ways back into an
// account) needs the current password.
type ProfilePatch struct {
	Nickname        *string `json:"nickname"`
	Email           *string `json:"email"`
	Phone           *string `json:"phone"`
	Password        *string `json:"password"`
	CurrentPassword *string `json:"current_password"`
}

// UpdateProfile applies a change to the user's own profile; session is the
// token hash of the login making it. A new password, e-mail or phone needs
// the current password, whose wrong guesses count per user like failed
// logins (so a stolen token cannot guess without limit): ErrWrongPassword,
// then ErrTooManyAttempts. A new password ends every other session of the
// user in the same step, and their WebSockets on every instance (a failure
// to close those is logged: the sessions are revoked either way). A refused
// change changes nothing.
func (s *Service) UpdateProfile(ctx context.Context, u store.User, session string, p ProfilePatch) (View, error) {
	var cs check.Fields
	if p.Nickname != nil {
		checkNickname(&cs, "nickname", *p.Nickname)
	}
	if p.Email != nil {
		checkEmail(&cs, "email", *p.Email)
	}
	if p.Phone != nil {
		checkPhone(&cs, "phone", *p.Phone)
	}
	if p.Password != nil {
		email := u.Email
		if p.Email != nil {
			email = *p.Email
		}
		checkPasswordRules(&cs, "password", *p.Password, u.LoginID, email)
	}
	sensitive := p.Password != nil || p.Email != nil || p.Phone != nil
	cs.Add(sensitive && p.CurrentPassword == nil, "current_password", "required to change the password, e-mail or phone")
	if err := cs.Err(); err != nil {
		return View{}, err
	}
	patch := store.UserPatch{Email: p.Email}
	if p.Nickname != nil {
		n := strings.TrimSpace(*p.Nickname)
		patch.Nickname = &n
	}
	if p.Phone != nil {
		ph := normalizePhone(*p.Phone)
		patch.Phone = &ph
	}
	if sensitive {
		if err := s.checkCurrent(ctx, u, *p.CurrentPassword); err != nil {
			return View{}, err
		}
	}
	if p.Password != nil {
		h, err := s.hash(ctx, *p.Password)
		if err != nil {
			return View{}, err
		}
		patch.PasswordHash = &h
		patch.KeepSession = &session
	}
	out, err := s.store.UpdateUser(ctx, u.ID, patch)
	if err != nil {
		return View{}, err
	}
	if p.Password != nil {
		s.endOtherConnections(ctx, u.ID, session)
	}
	if out.Email != u.Email {
		// A new address is unverified until its own link is followed.
		if err := s.sendVerification(ctx, out); err != nil {
			s.log.ErrorContext(ctx, "verification mail not queued", "user_id", u.ID, "error", err.Error())
		}
	}
	return ViewOf(out), nil
}

// checkCurrent checks the current password of a change within the user's
// budget; a busy hasher is ErrBusy, never a wrong password.
func (s *Service) checkCurrent(ctx context.Context, u store.User, current string) error {
	now := s.now()
	try, ok, wait := s.logins.Take(now, "password:"+strconv.FormatUint(u.ID, 10))
	if !ok {
		return tooMany("too many wrong current passwords; wait and try again", wait)
	}
	match, err := s.check(ctx, u.PasswordHash, current)
	switch {
	case err != nil && !errors.Is(err, errBadHash):
		try.Refund(now)
		return err
	case !match:
		return ErrWrongPassword
	}
	try.Refund(now)
	return nil
}

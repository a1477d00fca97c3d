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
// is. Changing the password needs the current one.
type ProfilePatch struct {
	Nickname        *string `json:"nickname"`
	Email           *string `json:"email"`
	Phone           *string `json:"phone"`
	Password        *string `json:"password"`
	CurrentPassword *string `json:"current_password"`
}

// UpdateProfile applies a change to the user's own profile. A new password
// needs the current one, whose wrong guesses count per user like failed
// logins (so a stolen token cannot guess without limit): ErrWrongPassword,
// then ErrTooManyAttempts. A refused change changes nothing.
func (s *Service) UpdateProfile(ctx context.Context, u store.User, p ProfilePatch) (View, error) {
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
		checkPasswordRules(&cs, "password", *p.Password)
		cs.Add(p.CurrentPassword == nil, "current_password", "required to change the password")
	}
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
	if p.Password != nil {
		if err := s.checkCurrent(ctx, u, *p.CurrentPassword); err != nil {
			return View{}, err
		}
		h, err := s.hash(ctx, *p.Password)
		if err != nil {
			return View{}, err
		}
		patch.PasswordHash = &h
	}
	out, err := s.store.UpdateUser(ctx, u.ID, patch)
	if err != nil {
		return View{}, err
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

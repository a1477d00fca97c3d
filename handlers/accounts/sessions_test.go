package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// TestPasswordChangeEndsOtherSessions: a stolen token dies when the owner
// changes the password; the session that made the change goes on, and the
// other logins' WebSockets are closed on every instance.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, st, Options{})
		mine := f.signUpLogin(t, "stolen")
		thief, err := f.svc.Login(ctx, "10.6.6.6", Credentials{LoginID: "stolen", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		u, hash, err := f.svc.Authenticate(ctx, mine.Token)
		if err != nil {
			t.Fatal(err)
		}
		pw, cur := "a brand new secret", "correct horse"
		if _, err := f.svc.UpdateProfile(ctx, u, hash, ProfilePatch{Password: &pw, CurrentPassword: &cur}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Authenticate(ctx, thief.Token); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("the other login after a password change: %v", err)
		}
		if _, _, err := f.svc.Authenticate(ctx, mine.Token); err != nil {
			t.Fatalf("the session that changed the password: %v", err)
		}
		if want := fmt.Sprintf("%d/all-but:%s", u.ID, hash); !slices.Contains(f.ender.ended, want) {
			t.Fatalf("ended %v, want %s", f.ender.ended, want)
		}
		// A nickname change ends nothing.
		f.ender.ended = nil
		nick := "새이름"
		if _, err := f.svc.UpdateProfile(ctx, u, hash, ProfilePatch{Nickname: &nick}); err != nil || len(f.ender.ended) != 0 {
			t.Fatalf("nickname change: %v, ended %v", err, f.ender.ended)
		}
	})
}

// TestContactChangeNeedsPassword: a stolen token cannot move the account's
// e-mail or phone (the way to a reset) without the password.
func TestContactChangeNeedsPassword(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, st, Options{})
		sess := f.signUpLogin(t, "contact")
		u, hash, err := f.svc.Authenticate(ctx, sess.Token)
		if err != nil {
			t.Fatal(err)
		}
		mail, phone, wrong := "thief@example.com", "010-6666-6666", "not it at all"
		_, err = f.svc.UpdateProfile(ctx, u, hash, ProfilePatch{Email: &mail})
		if got := fields(t, err); strings.Join(got, ",") != "current_password" {
			t.Fatalf("e-mail without the password: fields %v", got)
		}
		_, err = f.svc.UpdateProfile(ctx, u, hash, ProfilePatch{Phone: &phone})
		if got := fields(t, err); strings.Join(got, ",") != "current_password" {
			t.Fatalf("phone without the password: fields %v", got)
		}
		if _, err := f.svc.UpdateProfile(ctx, u, hash, ProfilePatch{Email: &mail, CurrentPassword: &wrong}); !errors.Is(err, ErrWrongPassword) {
			t.Fatalf("e-mail with a wrong password: %v", err)
		}
		got, err := st.UserByID(ctx, u.ID)
		if err != nil || got.Email != "contact@example.com" || got.Phone != "01012345678" {
			t.Fatalf("refused changes changed %+v (%v)", got, err)
		}
	})
}

// TestLogoutEverywhere: every login of the user ends, here and on every
// instance's WebSockets; other users' logins stay.
func TestLogoutEverywhere(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, st, Options{})
		a := f.signUpLogin(t, "everywhere")
		b, err := f.svc.Login(ctx, "10.0.0.2", Credentials{LoginID: "everywhere", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		bystander := f.signUpLogin(t, "bystander")
		if err := f.svc.LogoutAll(ctx, a.User.ID); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{a.Token, b.Token} {
			if _, _, err := f.svc.Authenticate(ctx, tok); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("after logging out everywhere: %v", err)
			}
		}
		if _, _, err := f.svc.Authenticate(ctx, bystander.Token); err != nil {
			t.Fatalf("another user's login: %v", err)
		}
		if want := fmt.Sprintf("%d/all-but:", a.User.ID); !slices.Contains(f.ender.ended, want) {
			t.Fatalf("ended %v, want %s", f.ender.ended, want)
		}
	})
}

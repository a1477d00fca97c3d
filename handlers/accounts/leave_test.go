package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestLeave(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, st, Options{})
		sess := f.signUpLogin(t, "leaver")
		u, _, err := f.svc.Authenticate(ctx, sess.Token)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Leave(ctx, u, ""); len(fields(t, err)) != 1 {
			t.Fatalf("no password: %v", err)
		}
		if err := f.svc.Leave(ctx, u, "wrong horse"); !errors.Is(err, ErrWrongPassword) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, _, err := f.svc.Authenticate(ctx, sess.Token); err != nil {
			t.Fatalf("a refused leave ended the session: %v", err)
		}
		if err := f.svc.Leave(ctx, u, "correct horse"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Authenticate(ctx, sess.Token); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("the session outlived the account: %v", err)
		}
		if got := f.ender.ended; len(got) == 0 || !strings.HasSuffix(got[len(got)-1], "/all-but:") {
			t.Fatalf("connections not ended: %v", got)
		}
		if _, err := f.svc.Login(ctx, "10.0.0.1", Credentials{LoginID: "leaver", Password: "correct horse"}); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("login after leaving: %v", err)
		}
		// The login id is free again.
		if _, err := f.svc.SignUp(ctx, "10.0.0.1", newUser("leaver", store.RoleCustomer)); err != nil {
			t.Fatalf("sign-up with the freed login id: %v", err)
		}
	})
}

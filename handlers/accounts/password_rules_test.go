package accounts

import (
	"context"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// TestWeakPasswordsRefused: the common passwords, blank ones and the user's
// own login id or e-mail are refused at sign-up and at a change, and nothing
// is stored.
func TestWeakPasswordsRefused(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, st, Options{})
		for _, pw := range []string{"12345678", "password", "PassWord", "        ", "\t \t \t \t", "qwerty123", "weakling", "weakling@example.com"} {
			nu := newUser("weakling", store.RoleCustomer)
			nu.Password = pw
			_, err := f.svc.SignUp(ctx, "10.0.0.1", nu)
			if got := fields(t, err); strings.Join(got, ",") != "password" {
				t.Fatalf("password %q: fields %v", pw, got)
			}
		}
		if _, err := st.UserByLoginID(ctx, "weakling"); err == nil {
			t.Fatal("a refused sign-up stored the user")
		}
		sess := f.signUpLogin(t, "changer")
		u, hash, err := f.svc.Authenticate(ctx, sess.Token)
		if err != nil {
			t.Fatal(err)
		}
		cur := "correct horse"
		for _, pw := range []string{"password1", "Changer", "changer@example.com", "         "} {
			_, err := f.svc.UpdateProfile(ctx, u, hash, ProfilePatch{Password: &pw, CurrentPassword: &cur})
			if got := fields(t, err); strings.Join(got, ",") != "password" {
				t.Fatalf("new password %q: fields %v", pw, got)
			}
		}
	})
}

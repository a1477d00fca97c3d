package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// ender is a SessionEnder that keeps what it was asked to end.
type ender struct {
	mu    sync.Mutex
	ended []string // "userID/session"
	err   error
}

func (e *ender) EndSession(_ context.Context, userID uint64, session string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ended = append(e.ended, fmt.Sprintf("%d/%s", userID, session))
	return e.err
}

func (e *ender) EndOtherSessions(_ context.Context, userID uint64, keep string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ended = append(e.ended, fmt.Sprintf("%d/all-but:%s", userID, keep))
	return e.err
}

type fixture struct {
	svc   *Service
	st    *store.Store
	ender *ender
	clock *time.Time
	mu    *sync.Mutex // guards the clock
}

func newFixture(t *testing.T, st *store.Store, opts Options) *fixture {
	t.Helper()
	if opts.HashMemoryKiB == 0 { // cheap hashes: the tests are about the rules, not the cost
		opts.HashMemoryKiB, opts.HashTime = 64, 1
	}
	now := time.Date(2026, 5, 1, 19, 0, 0, 0, time.UTC)
	f := &fixture{st: st, ender: &ender{}, clock: &now, mu: &sync.Mutex{}}
	f.svc = New(Deps{Store: st, Sessions: f.ender, Options: opts, Now: func() time.Time {
		f.mu.Lock()
		defer f.mu.Unlock()
		return *f.clock
	}})
	return f
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	*f.clock = f.clock.Add(d)
}

func newUser(login, role string) NewUser {
	return NewUser{LoginID: login, Password: "correct horse", Nickname: " " + login + " ", Email: login + "@example.com",
		Phone: "010-1234-5678", Role: role}
}

// signUpLogin makes a customer and logs in.
func (f *fixture) signUpLogin(t *testing.T, login string) Session {
	t.Helper()
	ctx := context.Background()
	if _, err := f.svc.SignUp(ctx, "10.0.0.1", newUser(login, store.RoleCustomer)); err != nil {
		t.Fatal(err)
	}
	sess, err := f.svc.Login(ctx, "10.0.0.1", Credentials{LoginID: login, Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

// fields lists the fields of a validation error, or fails the test.
func fields(t *testing.T, err error) []string {
	t.Helper()
	var verr *check.Error
	if !errors.As(err, &verr) {
		t.Fatalf("error %v, want a validation error", err)
	}
	var out []string
	for _, f := range verr.Fields {
		out = append(out, f.Field)
	}
	return out
}

// tooMany checks err is ErrTooManyAttempts with a wait.
func wantTooMany(t *testing.T, err error) {
	t.Helper()
	var ex *check.Explained
	if !errors.Is(err, ErrTooManyAttempts) || !errors.As(err, &ex) || ex.RetryAfter <= 0 || ex.Detail == "" {
		t.Fatalf("error %v, want ErrTooManyAttempts explained with a wait", err)
	}
}

func TestSignUp(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, st, Options{})
		nu := newUser("Hong_Gildong", store.RoleOwner)
		nu.Phone = "010 1234-5678"
		v, err := f.svc.SignUp(ctx, "10.0.0.1", nu)
		if err != nil {
			t.Fatal(err)
		}
		if v.ID == 0 || v.LoginID != "hong_gildong" || v.Nickname != "Hong_Gildong" || v.Phone != "01012345678" || v.Role != store.RoleOwner || v.Verified {
			t.Fatalf("signed up %+v", v)
		}
		u, err := st.UserByID(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || strings.Contains(u.PasswordHash, "correct horse") {
			t.Fatalf("stored hash %q", u.PasswordHash)
		}

		// The same login id in another case is taken, naming the field.
		_, err = f.svc.SignUp(ctx, "10.0.0.1", newUser("HONG_GILDONG", store.RoleCustomer))
		var ex *check.Explained
		if !errors.Is(err, ErrLoginTaken) || !errors.As(err, &ex) || len(ex.Fields) != 1 || ex.Fields[0].Field != "login_id" {
			t.Fatalf("taken login id: %v", err)
		}

		tests := []struct {
			name   string
			mutate func(*NewUser)
			want   []string
		}{
			{"admin_refused", func(n *NewUser) { n.Role = store.RoleAdmin }, []string{"role"}},
			{"no_role", func(n *NewUser) { n.Role = "" }, []string{"role"}},
			{"short_login", func(n *NewUser) { n.LoginID = "abc" }, []string{"login_id"}},
			{"login_symbols", func(n *NewUser) { n.LoginID = "_hong" }, []string{"login_id"}},
			{"short_password", func(n *NewUser) { n.Password = "short" }, []string{"password"}},
			{"long_password", func(n *NewUser) { n.Password = strings.Repeat("p", 129) }, []string{"password"}},
			{"blank_nickname", func(n *NewUser) { n.Nickname = "   " }, []string{"nickname"}},
			{"bidi_nickname", func(n *NewUser) { n.Nickname = "evil\u202egnp" }, []string{"nickname"}},
			{"bad_email", func(n *NewUser) { n.Email = "Hong <hong@example.com>" }, []string{"email"}},
			{"bad_phone", func(n *NewUser) { n.Phone = "12ab" }, []string{"phone"}},
			{"everything", func(n *NewUser) { *n = NewUser{} }, []string{"login_id", "password", "nickname", "email", "phone", "role"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				nu := newUser("valid_"+tc.name[:3], store.RoleCustomer)
				tc.mutate(&nu)
				_, err := f.svc.SignUp(ctx, "10.0.0.2", nu)
				if got := fields(t, err); strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Fatalf("fields %v, want %v", got, tc.want)
				}
			})
		}
	})
}

func TestSignUpLimitPerAddress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, storetest.Open(t, store.SQLite), Options{Signups: 2})
	for i := range 2 {
		if _, err := f.svc.SignUp(ctx, "10.0.0.1", newUser(fmt.Sprintf("signup%d", i), store.RoleCustomer)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.svc.SignUp(ctx, "10.0.0.1", newUser("signup9", store.RoleCustomer))
	wantTooMany(t, err)
	if _, err := f.svc.SignUp(ctx, "10.0.0.2", newUser("signup9", store.RoleCustomer)); err != nil {
		t.Fatalf("another address: %v", err)
	}
	// An invalid sign-up is refused before it counts.
	if _, err := f.svc.SignUp(ctx, "10.0.0.3", NewUser{}); !errors.As(err, new(*check.Error)) {
		t.Fatalf("invalid: %v", err)
	}
	f.advance(time.Hour / 2)
	if _, err := f.svc.SignUp(ctx, "10.0.0.1", newUser("signup8", store.RoleCustomer)); err != nil {
		t.Fatalf("after half an hour: %v", err)
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, st, Options{SessionTTL: time.Hour})
		sess := f.signUpLogin(t, "kimchi")
		if len(sess.Token) != 43 || sess.User.LoginID != "kimchi" || !sess.ExpiresAt.Equal(f.clock.Add(time.Hour)) {
			t.Fatalf("session %+v", sess)
		}
		u, hash, err := f.svc.Authenticate(ctx, sess.Token)
		if err != nil || u.ID != sess.User.ID || hash != HashToken(sess.Token) || hash == sess.Token || len(hash) != 64 {
			t.Fatalf("authenticate: %+v %q %v", u, hash, err)
		}
		// Only the hash is stored: the token itself finds no session.
		if _, err := st.UserBySessionToken(ctx, sess.Token, *f.clock); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the token itself is stored: %v", err)
		}
		// Login ids are case-insensitive and trimmed.
		if _, err := f.svc.Login(ctx, "10.0.0.1", Credentials{LoginID: " KimChi ", Password: "correct horse"}); err != nil {
			t.Fatal(err)
		}
		for _, cr := range []Credentials{{LoginID: "kimchi", Password: "wrong horse"}, {LoginID: "nobody", Password: "correct horse"}} {
			if _, err := f.svc.Login(ctx, "10.0.0.1", cr); !errors.Is(err, ErrInvalidCredentials) {
				t.Fatalf("login %+v: %v, want ErrInvalidCredentials", cr, err)
			}
		}
		got := fields(t, func() error { _, err := f.svc.Login(ctx, "10.0.0.1", Credentials{}); return err }())
		if strings.Join(got, ",") != "login_id,password" {
			t.Fatalf("empty login: fields %v", got)
		}
	})
}

// Parallel wrong guesses take their attempt before hashing, so no more than
// the budget are ever checked; a success gives its attempt back.
func TestLoginLimit(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, st, Options{LoginFailures: 5})
		// A loaded machine must not turn guesses into ErrBusy (which gives
		// the attempt back and would leave the budget unspent).
		f.svc.hashWait = time.Minute
		f.signUpLogin(t, "parallel")
		const n = 20
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, err := f.svc.Login(ctx, "10.0.0.9", Credentials{LoginID: "parallel", Password: "wrong guess"})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		wrong := 0
		for err := range errs {
			switch {
			case errors.Is(err, ErrInvalidCredentials):
				wrong++
			case errors.Is(err, ErrTooManyAttempts):
				wantTooMany(t, err)
			case errors.Is(err, ErrBusy):
			default:
				t.Fatalf("unexpected error %v", err)
			}
		}
		if wrong == 0 || wrong > 5 {
			t.Fatalf("%d parallel guesses were checked, limit 5", wrong)
		}
		// The address is spent; another address with the right password gets in.
		_, err := f.svc.Login(ctx, "10.0.0.9", Credentials{LoginID: "parallel", Password: "correct horse"})
		wantTooMany(t, err)
		if _, err := f.svc.Login(ctx, "10.0.0.10", Credentials{LoginID: "parallel", Password: "correct horse"}); err != nil {
			t.Fatalf("the right password from another address: %v", err)
		}
		// One failure is forgiven per window/limit (3 minutes).
		f.advance(3 * time.Minute)
		if _, err := f.svc.Login(ctx, "10.0.0.9", Credentials{LoginID: "parallel", Password: "correct horse"}); err != nil {
			t.Fatalf("after a forgiven failure: %v", err)
		}

		// Successes refund: with one attempt left, any number of right logins pass.
		f.signUpLogin(t, "refunded")
		for range 4 {
			if _, err := f.svc.Login(ctx, "10.0.0.11", Credentials{LoginID: "refunded", Password: "wrong guess"}); !errors.Is(err, ErrInvalidCredentials) {
				t.Fatal(err)
			}
		}
		for i := range 3 {
			if _, err := f.svc.Login(ctx, "10.0.0.11", Credentials{LoginID: "refunded", Password: "correct horse"}); err != nil {
				t.Fatalf("success %d with one attempt left: %v", i, err)
			}
		}
		if _, err := f.svc.Login(ctx, "10.0.0.11", Credentials{LoginID: "refunded", Password: "wrong guess"}); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatal(err)
		}
		_, err = f.svc.Login(ctx, "10.0.0.11", Credentials{LoginID: "refunded", Password: "correct horse"})
		wantTooMany(t, err)

		// An address is limited across login ids, unknown ones included.
		for i := range 5 {
			_, err := f.svc.Login(ctx, "10.0.0.12", Credentials{LoginID: fmt.Sprintf("ghost%d", i), Password: "wrong guess"})
			if !errors.Is(err, ErrInvalidCredentials) {
				t.Fatal(err)
			}
		}
		_, err = f.svc.Login(ctx, "10.0.0.12", Credentials{LoginID: "ghost9", Password: "wrong guess"})
		wantTooMany(t, err)
	})
}

// fillHashSlots takes every hashing slot of svc until the test ends or
// release is called.
func fillHashSlots(t *testing.T, svc *Service) (release func()) {
	for range cap(svc.slots) {
		svc.slots <- struct{}{}
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			for range cap(svc.slots) {
				<-svc.slots
			}
		})
	}
	t.Cleanup(release)
	return release
}

// A saturated hasher is ErrBusy, never a wrong password, and costs no attempt.
func TestBusyHasher(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, storetest.Open(t, store.SQLite), Options{LoginFailures: 1})
	sess := f.signUpLogin(t, "busy")
	u, _, err := f.svc.Authenticate(ctx, sess.Token)
	if err != nil {
		t.Fatal(err)
	}
	f.svc.hashWait = 20 * time.Millisecond
	release := fillHashSlots(t, f.svc)
	for i := range 3 {
		if _, err := f.svc.Login(ctx, "10.0.0.1", Credentials{LoginID: "busy", Password: "correct horse"}); !errors.Is(err, ErrBusy) {
			t.Fatalf("login %d on a busy hasher: %v", i, err)
		}
	}
	if _, err := f.svc.SignUp(ctx, "10.0.0.1", newUser("busy2", store.RoleCustomer)); !errors.Is(err, ErrBusy) {
		t.Fatalf("sign-up on a busy hasher: %v", err)
	}
	pw, cur := "new password", "correct horse"
	if _, err := f.svc.UpdateProfile(ctx, u, "", ProfilePatch{Password: &pw, CurrentPassword: &cur}); !errors.Is(err, ErrBusy) {
		t.Fatalf("password change on a busy hasher: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.svc.Login(cctx, "10.0.0.1", Credentials{LoginID: "busy", Password: "correct horse"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled login: %v", err)
	}
	release()
	// None of those counted: the one allowed failure is still there.
	if _, err := f.svc.Login(ctx, "10.0.0.1", Credentials{LoginID: "busy", Password: "correct horse"}); err != nil {
		t.Fatalf("after the hasher freed: %v", err)
	}
	if _, err := f.svc.UpdateProfile(ctx, u, "", ProfilePatch{Password: &pw, CurrentPassword: &cur}); err != nil {
		t.Fatalf("password change after the hasher freed: %v", err)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, st, Options{})
		sess := f.signUpLogin(t, "leaving")
		other, err := f.svc.Login(ctx, "10.0.0.1", Credentials{LoginID: "leaving", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		u, hash, err := f.svc.Authenticate(ctx, sess.Token)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Logout(ctx, u.ID, hash); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Authenticate(ctx, sess.Token); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("after logout: %v", err)
		}
		if want := fmt.Sprintf("%d/%s", u.ID, hash); len(f.ender.ended) != 1 || f.ender.ended[0] != want {
			t.Fatalf("ended %v, want [%s]", f.ender.ended, want)
		}
		// The other login goes on.
		if _, _, err := f.svc.Authenticate(ctx, other.Token); err != nil {
			t.Fatalf("the other session: %v", err)
		}
		// A failure to end the connections does not fail the logout.
		f.ender.err = errors.New("broker down")
		if err := f.svc.Logout(ctx, u.ID, HashToken(other.Token)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Authenticate(ctx, other.Token); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("after the second logout: %v", err)
		}
	})
	// Without a session ender, logout still revokes.
	svc := New(Deps{Store: storetest.Open(t, store.SQLite)})
	ctx := context.Background()
	if _, err := svc.SignUp(ctx, "a", newUser("alone", store.RoleCustomer)); err != nil {
		t.Fatal(err)
	}
	sess, err := svc.Login(ctx, "a", Credentials{LoginID: "alone", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Logout(ctx, sess.User.ID, HashToken(sess.Token)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Authenticate(ctx, sess.Token); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("after logout: %v", err)
	}
}

func TestUpdateProfile(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, st, Options{LoginFailures: 3})
		sess := f.signUpLogin(t, "victim")
		user := func() store.User {
			u, _, err := f.svc.Authenticate(ctx, sess.Token)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		s := func(v string) *string { return &v }

		v, err := f.svc.UpdateProfile(ctx, user(), HashToken(sess.Token), ProfilePatch{Nickname: s("  김치  "), Email: s("new@example.com"), Phone: s("(010) 9999.8888"), CurrentPassword: s("correct horse")})
		if err != nil || v.Nickname != "김치" || v.Email != "new@example.com" || v.Phone != "01099998888" {
			t.Fatalf("patch: %+v %v", v, err)
		}
		_, err = f.svc.UpdateProfile(ctx, user(), HashToken(sess.Token), ProfilePatch{Nickname: s(""), Email: s("nope"), Phone: s("1"), Password: s("short")})
		if got := fields(t, err); strings.Join(got, ",") != "nickname,email,phone,password,current_password" {
			t.Fatalf("fields %v", got)
		}

		// Wrong current passwords are limited per user, and change nothing.
		for i := range 3 {
			_, err := f.svc.UpdateProfile(ctx, user(), HashToken(sess.Token), ProfilePatch{Password: s("attacker-pass"), CurrentPassword: s(fmt.Sprintf("guess-%d", i))})
			if !errors.Is(err, ErrWrongPassword) {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		_, err = f.svc.UpdateProfile(ctx, user(), HashToken(sess.Token), ProfilePatch{Password: s("attacker-pass"), CurrentPassword: s("correct horse")})
		wantTooMany(t, err)
		if _, err := f.svc.Login(ctx, "10.0.0.1", Credentials{LoginID: "victim", Password: "attacker-pass"}); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("the refused change changed the password: %v", err)
		}
		// The budget is the user's own: logins of the account are not spent by it.
		if _, err := f.svc.Login(ctx, "10.0.0.1", Credentials{LoginID: "victim", Password: "correct horse"}); err != nil {
			t.Fatal(err)
		}

		f.advance(time.Hour)
		if _, err := f.svc.UpdateProfile(ctx, user(), HashToken(sess.Token), ProfilePatch{Password: s("another-pass"), CurrentPassword: s("correct horse")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Login(ctx, "10.0.0.1", Credentials{LoginID: "victim", Password: "correct horse"}); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("old password after the change: %v", err)
		}
		if _, err := f.svc.Login(ctx, "10.0.0.1", Credentials{LoginID: "victim", Password: "another-pass"}); err != nil {
			t.Fatalf("new password: %v", err)
		}
	})
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, st, Options{SessionTTL: time.Hour})
		sess := f.signUpLogin(t, "tokens")
		for _, tok := range []string{"", "unknown-token", sess.Token + "x", strings.Repeat("A", MaxTokenLen+1)} {
			if _, _, err := f.svc.Authenticate(ctx, tok); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("token %.20q: %v, want ErrInvalidToken", tok, err)
			}
		}
		f.advance(59 * time.Minute)
		if _, _, err := f.svc.Authenticate(ctx, sess.Token); err != nil {
			t.Fatalf("before expiry: %v", err)
		}
		f.advance(2 * time.Minute)
		if _, _, err := f.svc.Authenticate(ctx, sess.Token); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("expired: %v", err)
		}
	})
}

// An overlong token is refused without a look-up: on a closed database it is
// still ErrInvalidToken, where a token of our length reaches the database.
func TestOverlongTokenIsNotLookedUp(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, store.SQLite)
	svc := New(Deps{Store: st})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := svc.Authenticate(ctx, strings.Repeat("A", MaxTokenLen+1)); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("overlong: %v", err)
	}
	if _, _, err := svc.Authenticate(ctx, strings.Repeat("A", 43)); err == nil || errors.Is(err, ErrInvalidToken) {
		t.Fatalf("a token of our length on a closed database: %v, want a database error", err)
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		svc := New(Deps{Store: st})
		u, err := svc.Create(ctx, newUser("Root-Admin", store.RoleAdmin))
		if err != nil || u.ID == 0 || u.Role != store.RoleAdmin || u.LoginID != "root-admin" {
			t.Fatalf("create admin: %+v %v", u, err)
		}
		sess, err := svc.Login(ctx, "cli", Credentials{LoginID: "root-admin", Password: "correct horse"})
		if err != nil || sess.User.Role != store.RoleAdmin {
			t.Fatalf("admin login: %+v %v", sess, err)
		}
		if _, err := svc.Create(ctx, newUser("root-admin", store.RoleOwner)); !errors.Is(err, ErrLoginTaken) {
			t.Fatalf("taken: %v", err)
		}
		_, err = svc.Create(ctx, NewUser{LoginID: "x", Password: "admin-pass-1", Nickname: "x", Email: "bad", Phone: "1", Role: "root"})
		if got := fields(t, err); strings.Join(got, ",") != "login_id,email,phone,role" {
			t.Fatalf("fields %v", got)
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "login_id: ") || !strings.Contains(msg, "email: ") ||
			!strings.Contains(msg, "must be customer, owner or admin") {
			t.Fatalf("message %q: want one line naming each field", msg)
		}
	})
}

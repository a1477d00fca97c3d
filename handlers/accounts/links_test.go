package accounts

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/mail"
	"github.com/illuwa/illuwa/handlers/mail/mailtest"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// mailFixture is a fixture whose mail goes through the outbox to a real
// SMTP server on loopback.
type mailFixture struct {
	*fixture
	srv    *mailtest.Server
	outbox *mail.Service
}

func newMailFixture(t *testing.T, st *store.Store, opts Options) *mailFixture {
	t.Helper()
	f := newFixture(t, st, opts)
	srv := mailtest.Start(t, mailtest.Options{})
	sender, err := mail.NewSMTP(srv.URL(), "일루와 <no-reply@illuwa.test>", mail.SMTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ob := mail.New(mail.Deps{Store: st, Sender: sender})
	f.svc.mail, f.svc.public = ob, "https://illuwa.test"
	return &mailFixture{fixture: f, srv: srv, outbox: ob}
}

// deliver runs the outbox once and returns the mail to `to` with subject.
func (f *mailFixture) deliver(t *testing.T, to, subject string) mailtest.Mail {
	t.Helper()
	f.outbox.Process(context.Background(), time.Now())
	return f.srv.Wait(to, subject)
}

// tokenOf is the token of the mail's link to page.
func tokenOf(t *testing.T, m mailtest.Mail, page string) string {
	t.Helper()
	link := m.Link("https://illuwa.test" + page + "?token=")
	u, err := url.Parse(link)
	if err != nil || link == "" || u.Query().Get("token") == "" {
		t.Fatalf("no %s link in %q", page, m.Text)
	}
	if !strings.Contains(m.HTML, `href="`+link+`"`) {
		t.Fatalf("the HTML part lacks the link: %s", m.HTML)
	}
	return u.Query().Get("token")
}

func TestVerification(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newMailFixture(t, st, Options{Resends: 2})
		sess := f.signUpLogin(t, "verify_me")
		m := f.deliver(t, "verify_me@example.com", "이메일 주소를 확인")
		if !strings.HasPrefix(m.Text, "verify_me님") || !strings.Contains(m.Text, "Welcome to Illuwa") {
			t.Fatalf("mail text: %q", m.Text)
		}
		token := tokenOf(t, m, "/verify")

		if _, err := f.svc.Verify(ctx, "forged"+token[6:]); !errors.Is(err, ErrInvalidLink) {
			t.Fatalf("forged token: %v", err)
		}
		v, err := f.svc.Verify(ctx, token)
		if err != nil || !v.Verified {
			t.Fatalf("verify: %+v %v", v, err)
		}
		if _, err := f.svc.Verify(ctx, token); !errors.Is(err, ErrInvalidLink) {
			t.Fatalf("reused token: %v", err)
		}

		// A new address is unverified and gets its own link.
		u, _, err := f.svc.Authenticate(ctx, sess.Token)
		if err != nil {
			t.Fatal(err)
		}
		newAddr, pw := "new_me@example.com", "correct horse"
		v, err = f.svc.UpdateProfile(ctx, u, HashToken(sess.Token), ProfilePatch{Email: &newAddr, CurrentPassword: &pw})
		if err != nil || v.Verified {
			t.Fatalf("change e-mail: %+v %v", v, err)
		}
		second := tokenOf(t, f.deliver(t, newAddr, "이메일 주소를 확인"), "/verify")

		// Resend: a fresh link, within the budget; a flood is refused.
		u, _, _ = f.svc.Authenticate(ctx, sess.Token)
		if err := f.svc.ResendVerification(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.ResendVerification(ctx, u); err != nil {
			t.Fatal(err)
		}
		wantTooMany(t, f.svc.ResendVerification(ctx, u))

		// The link expires.
		f.advance(25 * time.Hour)
		if _, err := f.svc.Verify(ctx, second); !errors.Is(err, ErrInvalidLink) {
			t.Fatalf("expired token: %v", err)
		}
		if u, _ := st.UserByID(ctx, u.ID); u.Verified {
			t.Fatal("an expired link verified the address")
		}
	})
}

func TestVerificationOfAChangedAddress(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newMailFixture(t, st, Options{})
		sess := f.signUpLogin(t, "changer")
		old := tokenOf(t, f.deliver(t, "changer@example.com", "확인"), "/verify")
		u, _, _ := f.svc.Authenticate(ctx, sess.Token)
		addr, pw := "elsewhere@example.com", "correct horse"
		if _, err := f.svc.UpdateProfile(ctx, u, HashToken(sess.Token), ProfilePatch{Email: &addr, CurrentPassword: &pw}); err != nil {
			t.Fatal(err)
		}
		// The link sent to the old address no longer verifies the account.
		if _, err := f.svc.Verify(ctx, old); !errors.Is(err, ErrInvalidLink) {
			t.Fatalf("old address's link: %v", err)
		}
		if u, _ := st.UserByID(ctx, u.ID); u.Verified {
			t.Fatal("verified through the old address")
		}
	})
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newMailFixture(t, st, Options{Resets: 3})
		a := f.signUpLogin(t, "forgetful")
		b, err := f.svc.Login(ctx, "10.0.0.2", Credentials{LoginID: "forgetful", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}

		// An unknown address: the same nil answer, and no mail.
		if err := f.svc.RequestPasswordReset(ctx, "10.0.0.9", "nobody@example.com"); err != nil {
			t.Fatal(err)
		}
		if ms, _ := st.MailsTo(ctx, "nobody@example.com"); len(ms) != 0 {
			t.Fatalf("mailed an unknown address: %+v", ms)
		}
		if err := f.svc.RequestPasswordReset(ctx, "10.0.0.9", "forgetful@example.com"); err != nil {
			t.Fatal(err)
		}
		m := f.deliver(t, "forgetful@example.com", "비밀번호 재설정")
		token := tokenOf(t, m, "/reset")

		// A refused password leaves the token unspent.
		if _, err := f.svc.ResetPassword(ctx, token, "forgetful"); err == nil || len(fields(t, err)) == 0 {
			t.Fatalf("weak password: %v", err)
		}
		if _, err := f.svc.ResetPassword(ctx, "x"+token, "a brand new secret"); !errors.Is(err, ErrInvalidLink) {
			t.Fatalf("forged token: %v", err)
		}
		if _, err := f.svc.ResetPassword(ctx, token, "a brand new secret"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ResetPassword(ctx, token, "another new secret"); !errors.Is(err, ErrInvalidLink) {
			t.Fatalf("reused token: %v", err)
		}
		// Every session ended, HTTP and WebSocket.
		for _, s := range []Session{a, b} {
			if _, _, err := f.svc.Authenticate(ctx, s.Token); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("a session survived the reset: %v", err)
			}
		}
		if got := f.ender.ended; len(got) == 0 || !strings.HasSuffix(got[len(got)-1], "/all-but:") {
			t.Fatalf("connections not ended: %v", got)
		}
		if _, err := f.svc.Login(ctx, "10.0.0.1", Credentials{LoginID: "forgetful", Password: "a brand new secret"}); err != nil {
			t.Fatalf("login with the new password: %v", err)
		}

		// Expired.
		if err := f.svc.RequestPasswordReset(ctx, "10.0.0.9", "forgetful@example.com"); err != nil {
			t.Fatal(err)
		}
		f.outbox.Process(ctx, time.Now())
		rows, _ := st.MailsTo(ctx, "forgetful@example.com")
		var last mailtest.Mail
		for _, r := range f.srv.Received() {
			if r.To == "forgetful@example.com" {
				last = r
			}
		}
		if len(rows) < 3 {
			t.Fatalf("rows %d", len(rows))
		}
		late := tokenOf(t, last, "/reset")
		f.advance(61 * time.Minute)
		if _, err := f.svc.ResetPassword(ctx, late, "yet another secret"); !errors.Is(err, ErrInvalidLink) {
			t.Fatalf("expired token: %v", err)
		}
		// Floods are refused for known and unknown addresses alike.
		for range 3 {
			if err := f.svc.RequestPasswordReset(ctx, "10.0.0.9", "nobody@example.com"); err != nil {
				t.Fatal(err)
			}
		}
		wantTooMany(t, f.svc.RequestPasswordReset(ctx, "10.0.0.9", "nobody@example.com"))
	})
}

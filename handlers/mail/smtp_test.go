package mail_test

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/mail"
	"github.com/illuwa/illuwa/handlers/mail/mailtest"
)

const from = "일루와 <no-reply@illuwa.test>"

func korean() mail.Message {
	text := "안녕하세요, 민지님.\n아래 링크를 눌러 주세요.\n\nhttps://illuwa.test/verify?token=abc\n\nHello (English below the Korean)."
	return mail.Message{To: "minji@example.test", Subject: "[일루와] 이메일 주소를 확인해 주세요", Text: text, HTML: mail.TextToHTML(text), Kind: "verify"}
}

func mustSMTP(t *testing.T, rawURL string, o mail.SMTPOptions) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(rawURL, from, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSMTPDelivers(t *testing.T) {
	serverTLS, clientTLS := mailtest.SelfSigned(t)
	for _, tc := range []struct {
		name    string
		opts    mailtest.Options
		wantTLS bool
	}{
		{"plain_no_starttls_offered", mailtest.Options{}, false},
		{"starttls", mailtest.Options{TLS: serverTLS}, true},
		{"smtps_implicit", mailtest.Options{TLS: serverTLS, Implicit: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.User, tc.opts.Password = "user", "secret"
			srv := mailtest.Start(t, tc.opts)
			s := mustSMTP(t, strings.Replace(srv.URL(), "://", "://user:secret@", 1), mail.SMTPOptions{TLS: clientTLS})
			m := korean()
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			got := srv.Wait(m.To, "이메일 주소")
			if got.Subject != m.Subject || got.Text != m.Text || got.HTML != m.HTML {
				t.Fatalf("received %+v, sent %+v", got, m)
			}
			if got.AuthUser != "user" {
				t.Fatalf("logged in as %q", got.AuthUser)
			}
			if got.TLS != tc.wantTLS {
				t.Fatalf("TLS = %v, want %v", got.TLS, tc.wantTLS)
			}
			if got.From != "no-reply@illuwa.test" || !strings.Contains(got.Header.Get("From"), "no-reply@illuwa.test") {
				t.Fatalf("from: envelope %q, header %q", got.From, got.Header.Get("From"))
			}
			if !strings.Contains(got.HTML, `<a href="https://illuwa.test/verify?token=abc">`) {
				t.Fatalf("html lacks the link: %s", got.HTML)
			}
		})
	}
}

func TestSMTPRefusals(t *testing.T) {
	t.Run("refused_recipient_is_permanent", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{Refuse: func(string) bool { return true }})
		err := mustSMTP(t, srv.URL(), mail.SMTPOptions{}).Send(context.Background(), korean())
		if !errors.Is(err, mail.ErrPermanent) || !strings.Contains(err.Error(), "550") {
			t.Fatalf("err = %v, want a permanent 550", err)
		}
	})
	t.Run("server_down_is_temporary", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{})
		srv.Stop()
		err := mustSMTP(t, srv.URL(), mail.SMTPOptions{}).Send(context.Background(), korean())
		if err == nil || errors.Is(err, mail.ErrPermanent) {
			t.Fatalf("err = %v, want a temporary failure", err)
		}
	})
	t.Run("slow_server_times_out", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{})
		release, _ := srv.Hold()
		defer release()
		err := mustSMTP(t, srv.URL(), mail.SMTPOptions{Timeout: 300 * time.Millisecond}).Send(context.Background(), korean())
		if err == nil || errors.Is(err, mail.ErrPermanent) {
			t.Fatalf("err = %v, want a temporary failure", err)
		}
	})
	t.Run("untrusted_certificate", func(t *testing.T) {
		serverTLS, _ := mailtest.SelfSigned(t)
		srv := mailtest.Start(t, mailtest.Options{TLS: serverTLS, Implicit: true})
		err := mustSMTP(t, srv.URL(), mail.SMTPOptions{TLS: &tls.Config{MinVersion: tls.VersionTLS12}}).Send(context.Background(), korean())
		if err == nil {
			t.Fatal("sent over a certificate nobody trusts")
		}
	})
}

func TestNewSMTPRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"http://mail.test", "smtp://", "::bad"} {
		if _, err := mail.NewSMTP(u, from, mail.SMTPOptions{}); err == nil {
			t.Errorf("NewSMTP(%q) took it", u)
		}
	}
	if _, err := mail.NewSMTP("smtp://mail.test", "not an address", mail.SMTPOptions{}); err == nil {
		t.Error("a bad From address was taken")
	}
}

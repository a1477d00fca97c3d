package app

import (
	"net/url"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/handlers/mail/mailtest"
	"github.com/illuwa/illuwa/store/storetest"
)

// linkToken follows a mailed link the way the web page does: it must start
// with the public URL and page, and its token is what the page posts.
func linkToken(t *testing.T, m mailtest.Mail, prefix string) string {
	t.Helper()
	link := m.Link(prefix)
	u, err := url.Parse(link)
	if link == "" || err != nil || u.Query().Get("token") == "" {
		t.Fatalf("no link starting %s in the mail:\n%s", prefix, m.Text)
	}
	return u.Query().Get("token")
}

// TestMailEndToEnd runs the program with ILLUWA_SMTP_URL pointing at a real
// SMTP server on loopback: sign-up mails a verification link that verifies
// the address; a reset mail's link sets a new password and ends the old
// sessions; an unknown address gets the same answer and no mail.
func TestMailEndToEnd(t *testing.T) {
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			smtpd := mailtest.Start(t, mailtest.Options{})
			public := "https://illuwa.example"
			in := start(t, map[string]string{"ILLUWA_DATABASE_URL": storetest.URL(t, kind), "ILLUWA_SMTP_URL": smtpd.URL(),
				"ILLUWA_MAIL_FROM": "일루와 <hello@illuwa.example>", "ILLUWA_PUBLIC_URL": public + "/"})
			token := in.account("mailuser", "customer")

			m := smtpd.Wait("mailuser@example.com", "이메일 주소를 확인")
			if m.From != "hello@illuwa.example" || m.HTML == "" {
				t.Fatalf("mail from %q, html %d bytes", m.From, len(m.HTML))
			}
			var me struct{ Verified bool }
			in.call("GET", "/api/v1/me", token, nil, 200, &me)
			if me.Verified {
				t.Fatal("verified before the link was followed")
			}
			vt := linkToken(t, m, public+"/verify?token=")
			in.call("POST", "/api/v1/auth/verify", "", map[string]any{"token": vt}, 200, nil)
			in.call("GET", "/api/v1/me", token, nil, 200, &me)
			if !me.Verified {
				t.Fatal("not verified after following the link")
			}
			in.call("POST", "/api/v1/auth/verify", "", map[string]any{"token": vt}, 400, nil)
			in.call("POST", "/api/v1/auth/verify", "", map[string]any{"token": "forged"}, 400, nil)

			// Password reset: the same answer for an unknown address.
			in.call("POST", "/api/v1/auth/password-reset", "", map[string]any{"email": "ghost@example.com"}, 202, nil)
			in.call("POST", "/api/v1/auth/password-reset", "", map[string]any{"email": "mailuser@example.com"}, 202, nil)
			r := smtpd.Wait("mailuser@example.com", "비밀번호 재설정")
			rt := linkToken(t, r, public+"/reset?token=")
			in.call("POST", "/api/v1/auth/password-reset/confirm", "", map[string]any{"token": rt, "password": "a new pocha pass"}, 200, nil)
			in.call("GET", "/api/v1/me", token, nil, 401, nil) // the old session ended
			in.call("POST", "/api/v1/auth/password-reset/confirm", "", map[string]any{"token": rt, "password": "another pocha pass"}, 400, nil)
			fresh := in.login("mailuser", "a new pocha pass")

			// Leaving: the wrong password changes nothing; the right one ends it all.
			in.call("DELETE", "/api/v1/me", fresh, map[string]any{"password": "not it at all"}, 403, nil)
			in.call("DELETE", "/api/v1/me", fresh, map[string]any{"password": "a new pocha pass"}, 204, nil)
			in.call("GET", "/api/v1/me", fresh, nil, 401, nil)
			in.call("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "mailuser", "password": "a new pocha pass"}, 401, nil)
			// Owner approval: the stall stays closed until an admin (made on the
			// command line) approves; the owner hears of it by mail.
			in.call("POST", "/api/v1/auth/signup", "", map[string]any{"login_id": "newowner", "password": "pocha-pass-1", "nickname": "사장님",
				"email": "newowner@example.com", "phone": "010-5555-0001", "role": "owner", "business_number": "220-81-62518"}, 422, nil)
			var created struct{ ID uint64 }
			in.call("POST", "/api/v1/auth/signup", "", map[string]any{"login_id": "newowner", "password": "pocha-pass-1", "nickname": "사장님",
				"email": "newowner@example.com", "phone": "010-5555-0001", "role": "owner", "business_number": "220-81-62517"}, 201, &created)
			owner := in.login("newowner", "pocha-pass-1")
			var p struct{ ID uint64 }
			in.call("POST", "/api/v1/pochas", owner, map[string]any{"name": "승인 대기 포차"}, 201, &p)
			open := map[string]any{"lat": 37.5665, "lng": 126.978}
			in.call("POST", "/api/v1/pochas/"+itoa(p.ID)+"/open", owner, open, 403, nil)
			if _, _, err := runCmd(t, map[string]string{"ILLUWA_DATABASE_URL": in.dbURL, "ILLUWA_NEW_PASSWORD": "admin-pass-1"},
				"user", "create", "--role", "admin", "--login-id", "boss", "--nickname", "관리자", "--email", "boss@example.com", "--phone", "010-1111-2222"); err != nil {
				t.Fatal(err)
			}
			admin := in.login("boss", "admin-pass-1")
			in.call("POST", "/api/v1/admin/owners/"+itoa(created.ID)+"/approve", owner, nil, 403, nil) // an owner is no admin
			var pending struct{ Owners []struct{ ID uint64 } }
			in.call("GET", "/api/v1/admin/owners?status=pending", admin, nil, 200, &pending)
			if len(pending.Owners) != 1 || pending.Owners[0].ID != created.ID {
				t.Fatalf("pending owners: %+v", pending)
			}
			in.call("POST", "/api/v1/admin/owners/"+itoa(created.ID)+"/approve", admin, nil, 200, nil)
			smtpd.Wait("newowner@example.com", "사업자 승인이 완료")
			in.call("POST", "/api/v1/pochas/"+itoa(p.ID)+"/open", owner, open, 200, nil)

			for _, got := range smtpd.Received() {
				if strings.Contains(got.To, "ghost") {
					t.Fatalf("an unknown address got mail: %+v", got)
				}
			}
		})
	}
}

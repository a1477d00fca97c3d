package accounts

import (
	"context"
	"fmt"
	"net/url"

	"github.com/illuwa/illuwa/handlers/mail"
	"github.com/illuwa/illuwa/store"
)

// Mailer queues an e-mail for sending; it returns once the message is
// stored, never waiting on a mail server. A *mail.Service satisfies it.
type Mailer interface {
	Queue(ctx context.Context, m mail.Message) error
}

var _ Mailer = (*mail.Service)(nil)

// link is the web app's address of a page with a token.
func (s *Service) link(page, token string) string {
	return s.public + page + "?" + url.Values{"token": {token}}.Encode()
}

// queue sends a mail through the outbox, logging a failure to queue it (the
// caller's own change is done and stays done).
func (s *Service) queue(ctx context.Context, m mail.Message) {
	if s.mail == nil {
		return
	}
	m.HTML = mail.TextToHTML(m.Text)
	if err := s.mail.Queue(context.WithoutCancel(ctx), m); err != nil {
		s.log.ErrorContext(ctx, "mail not queued", "kind", m.Kind, "to", mail.MaskAddress(m.To), "error", err.Error())
	}
}

// verifyMail is the verification mail of u with its link; Korean first.
func verifyMail(u store.User, link string, ttlHours int) mail.Message {
	text := fmt.Sprintf(`%s님, 일루와에 오신 것을 환영합니다.
아래 링크를 눌러 이메일 주소(%s)를 확인해 주세요. 링크는 %d시간 동안 한 번만 쓸 수 있습니다.

%s

직접 가입하지 않으셨다면 이 메일을 무시하셔도 됩니다.

---
Welcome to Illuwa, %s.
Open the link above to confirm your e-mail address (%s). It works once, for %d hours.
If you did not sign up, ignore this mail.
`, u.Nickname, u.Email, ttlHours, link, u.Nickname, u.Email, ttlHours)
	return mail.Message{To: u.Email, Subject: "[일루와] 이메일 주소를 확인해 주세요 (Confirm your e-mail)", Text: text, Kind: "verify"}
}

// resetMail is the password reset mail of u with its link; Korean first.
func resetMail(u store.User, link string, ttlMinutes int) mail.Message {
	text := fmt.Sprintf(`%s님(아이디: %s), 비밀번호 재설정을 요청하셨습니다.
아래 링크에서 새 비밀번호를 정해 주세요. 링크는 %d분 동안 한 번만 쓸 수 있고, 재설정하면 모든 기기에서 로그아웃됩니다.

%s

요청하지 않으셨다면 이 메일을 무시하세요. 비밀번호는 바뀌지 않습니다.

---
%s (login id: %s), someone asked to reset your Illuwa password.
Open the link above to choose a new one. It works once, for %d minutes, and signs you out everywhere.
If it was not you, ignore this mail: your password stays as it is.
`, u.Nickname, u.LoginID, ttlMinutes, link, u.Nickname, u.LoginID, ttlMinutes)
	return mail.Message{To: u.Email, Subject: "[일루와] 비밀번호 재설정 (Reset your password)", Text: text, Kind: "reset"}
}

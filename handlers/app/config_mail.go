package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strconv"
	"strings"

	mailer "github.com/illuwa/illuwa/handlers/mail"
	"github.com/illuwa/illuwa/store"
)

// MailConfig holds the e-mail settings: where mail goes, who it is from, and
// the public address its links point at.
type MailConfig struct {
	SMTPURL   string // empty: mail is written to the log, not sent
	From      string
	PublicURL string // empty: http://localhost:<port>
}

// mailSettings lists the MailConfig settings, each bound to its field of c.
func mailSettings(c *MailConfig) []setting {
	return []setting{
		{"ILLUWA_SMTP_URL", "smtp-url", "", "smtp://user:pass@host:port (STARTTLS when offered) or smtps:// (TLS from the start); empty writes mail to the log",
			textValue{&c.SMTPURL, true, smtpURL}},
		{"ILLUWA_MAIL_FROM", "mail-from", "일루와 <no-reply@illuwa.local>", "the From address of every mail", textValue{&c.From, false, mailFrom}},
		{"ILLUWA_PUBLIC_URL", "public-url", "", "the address users reach the web app at, for links in mail (default: http://localhost:<port>)",
			textValue{&c.PublicURL, true, httpURL}},
	}
}

func smtpURL(v string) error {
	_, err := mailer.NewSMTP(v, "x@localhost", mailer.SMTPOptions{})
	if err != nil {
		return errors.New("want smtp://user:pass@host:port or smtps://user:pass@host:port")
	}
	return nil
}

func mailFrom(v string) error {
	if _, err := mail.ParseAddress(v); err != nil {
		return errors.New("want an address such as 일루와 <no-reply@example.com>")
	}
	return nil
}

// publicURL is the configured public address without a trailing slash, or
// the local one of this instance.
func (c MailConfig) publicURL(port int) string {
	if c.PublicURL == "" {
		return "http://localhost:" + strconv.Itoa(port)
	}
	return strings.TrimRight(c.PublicURL, "/")
}

// newOutbox builds the mail outbox: sent through SMTP when a server is
// configured, written to the log otherwise.
func newOutbox(c MailConfig, st *store.Store, log *slog.Logger) (*mailer.Service, error) {
	var sender mailer.Sender
	if c.SMTPURL != "" {
		s, err := mailer.NewSMTP(c.SMTPURL, c.From, mailer.SMTPOptions{})
		if err != nil {
			return nil, fmt.Errorf("invalid ILLUWA_SMTP_URL: %w", err)
		}
		sender = s
	} else {
		log.Warn("e-mail is written to the log, not sent: set ILLUWA_SMTP_URL to send it")
	}
	return mailer.New(mailer.Deps{Store: st, Sender: sender, Log: log}), nil
}

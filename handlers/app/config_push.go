package app

import (
	"errors"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/illuwa/illuwa/handlers/push"
)

// PushConfig holds the Web Push and opening-alert settings.
type PushConfig struct {
	VAPIDPublicKey  string // both empty: a pair made once and kept in the database
	VAPIDPrivateKey string
	VAPIDSubject    string
	AllowLoopback   bool          // accept http:// push endpoints on loopback (tests, development)
	AlertWindow     time.Duration // at most one opening alert per stall per customer in this
}

// pushSettings lists the PushConfig settings, each bound to its field of c.
func pushSettings(c *PushConfig) []setting {
	return []setting{
		{"ILLUWA_VAPID_PUBLIC_KEY", "vapid-public-key", "", "the Web Push VAPID public key (base64url P-256 point); with the private key empty too, a pair is made once and kept in the database",
			textValue{&c.VAPIDPublicKey, true, nil}},
		{"ILLUWA_VAPID_PRIVATE_KEY", "vapid-private-key", "", "the Web Push VAPID private key (base64url, 32 bytes), set together with the public key",
			textValue{&c.VAPIDPrivateKey, true, nil}},
		{"ILLUWA_VAPID_SUBJECT", "vapid-subject", "mailto:push@illuwa.local", "the contact push services see in the VAPID token: mailto:address or an https URL",
			textValue{&c.VAPIDSubject, false, vapidSubject}},
		{"ILLUWA_PUSH_ALLOW_LOOPBACK", "push-allow-loopback", "false", "accept http:// push endpoints on loopback addresses (tests and development only)", boolValue{&c.AllowLoopback}},
		{"ILLUWA_OPEN_ALERT_WINDOW", "open-alert-window", "12h", "a customer hears that one stall opened at most once in this", durationValue{&c.AlertWindow, time.Minute}},
	}
}

func vapidSubject(v string) error {
	if addr, ok := strings.CutPrefix(v, "mailto:"); ok {
		if _, err := mail.ParseAddress(addr); err == nil {
			return nil
		}
	} else if u, err := url.Parse(v); err == nil && u.Scheme == "https" && u.Host != "" {
		return nil
	}
	return errors.New("want mailto:address or an https URL")
}

// check refuses one VAPID key without the other, or a pair that does
// not match.
func (c PushConfig) check() error {
	if c.VAPIDPublicKey == "" && c.VAPIDPrivateKey == "" {
		return nil
	}
	if c.VAPIDPublicKey == "" || c.VAPIDPrivateKey == "" {
		return errors.New("invalid ILLUWA_VAPID_PUBLIC_KEY / ILLUWA_VAPID_PRIVATE_KEY: set both or neither")
	}
	if err := (push.Keys{Public: c.VAPIDPublicKey, Private: c.VAPIDPrivateKey}).Check(); err != nil {
		return errors.New("invalid ILLUWA_VAPID_PRIVATE_KEY: " + err.Error())
	}
	return nil
}

// newPush builds the Web Push service with the configured keys, or those
// kept in the database.
func newPush(c PushConfig, b *backends, log *slog.Logger) *push.Service {
	d := push.Deps{Store: b.store, Log: log, Registerer: b.reg, Options: push.Options{Subject: c.VAPIDSubject, AllowLoopback: c.AllowLoopback}}
	if c.VAPIDPublicKey != "" {
		d.Keys = &push.Keys{Public: c.VAPIDPublicKey, Private: c.VAPIDPrivateKey}
	}
	return push.New(d)
}

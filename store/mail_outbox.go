package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// The states of a queued mail.
const (
	MailPending = "pending"
	MailSent    = "sent"
	MailFailed  = "failed" // given up on: the server refused for good, or every attempt failed
)

// OutboxMail is one e-mail waiting to be sent, or the record of one sent or
// given up on. A request writes the row and returns; a worker sends it.
type OutboxMail struct {
	ID            uint64
	ToAddr        string
	Subject       string
	TextBody      string
	HTMLBody      string
	Kind          string // what the mail is for: verify, reset, notification...
	Status        string
	Attempts      int
	LastError     string
	NextAttemptAt time.Time
	SentAt        *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName is the outbox table.
func (OutboxMail) TableName() string { return "mail_outbox" }

// EnqueueMail stores m as pending, due at once, and sets its ID.
func (s *Store) EnqueueMail(ctx context.Context, m *OutboxMail) error {
	now := s.now()
	m.Status, m.Attempts, m.NextAttemptAt, m.SentAt, m.CreatedAt, m.UpdatedAt = MailPending, 0, now, nil, now, now
	return wrap("enqueue mail", s.db.WithContext(ctx).Create(m).Error)
}

// MailByID returns one queued mail or ErrNotFound.
func (s *Store) MailByID(ctx context.Context, id uint64) (OutboxMail, error) {
	var m OutboxMail
	err := s.db.WithContext(ctx).Take(&m, id).Error
	return m, wrap("mail by id", err)
}

// MailsTo lists the mails queued for an address, oldest first.
func (s *Store) MailsTo(ctx context.Context, addr string) ([]OutboxMail, error) {
	var ms []OutboxMail
	err := s.db.WithContext(ctx).Where("to_addr = ?", addr).Order("id").Find(&ms).Error
	return ms, wrap("mails to", err)
}

// DueMails lists pending mails due at now, oldest first.
func (s *Store) DueMails(ctx context.Context, now time.Time, limit int) ([]OutboxMail, error) {
	var ms []OutboxMail
	err := s.db.WithContext(ctx).Where("status = ? AND next_attempt_at <= ?", MailPending, now.UTC()).
		Order("next_attempt_at").Order("id").Limit(limit).Find(&ms).Error
	return ms, wrap("due mails", err)
}

// ClaimMail lets exactly one worker attempt a due mail: it counts the
// attempt and moves next_attempt_at to until (the lease: a worker that dies
// mid-send leaves the mail to be tried again then) if the mail is still
// pending and due at now, and reports whether this caller won.
func (s *Store) ClaimMail(ctx context.Context, id uint64, now, until time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&OutboxMail{}).
		Where("id = ? AND status = ? AND next_attempt_at <= ?", id, MailPending, now.UTC()).
		Updates(map[string]any{"next_attempt_at": until.UTC(), "attempts": gorm.Expr("attempts + 1"), "updated_at": s.now()})
	return res.RowsAffected > 0, wrap("claim mail", res.Error)
}

// RetryMail records a failed attempt and when to try again.
func (s *Store) RetryMail(ctx context.Context, id uint64, next time.Time, lastErr string) error {
	err := s.db.WithContext(ctx).Model(&OutboxMail{}).Where("id = ? AND status = ?", id, MailPending).
		Updates(map[string]any{"next_attempt_at": next.UTC(), "last_error": truncate(lastErr, 500), "updated_at": s.now()}).Error
	return wrap("retry mail", err)
}

// FinishMail closes a pending mail as sent or failed. A sent mail's bodies
// are cleared (they may carry single-use links); the row keeps who, what
// and when.
func (s *Store) FinishMail(ctx context.Context, id uint64, status, lastErr string) error {
	now := s.now()
	set := map[string]any{"status": status, "last_error": truncate(lastErr, 500), "updated_at": now}
	if status == MailSent {
		set["sent_at"] = now
		set["text_body"], set["html_body"] = "", ""
	}
	err := s.db.WithContext(ctx).Model(&OutboxMail{}).Where("id = ? AND status = ?", id, MailPending).Updates(set).Error
	return wrap("finish mail", err)
}

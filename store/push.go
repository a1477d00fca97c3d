package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PushSubscription is one browser's Web Push endpoint (RFC 8030) with the
// keys its messages are encrypted to (RFC 8291): P256dh is the browser's
// public key, Auth its authentication secret, both base64url as the Push API
// gives them.
type PushSubscription struct {
	ID           uint64
	UserID       uint64
	Endpoint     string
	EndpointHash string
	P256dh       string `gorm:"column:p256dh"`
	Auth         string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// endpointHash is the unique key of an endpoint (endpoints are long URLs).
func endpointHash(endpoint string) string {
	h := sha256.Sum256([]byte(endpoint))
	return hex.EncodeToString(h[:])
}

// SavePushSubscription stores the user's subscription. An endpoint already
// stored (the same browser subscribing again, perhaps after another user
// signed in on it) is moved to this user with the new keys.
func (s *Store) SavePushSubscription(ctx context.Context, sub *PushSubscription) error {
	now := s.now()
	sub.EndpointHash = endpointHash(sub.Endpoint)
	sub.CreatedAt, sub.UpdatedAt = now, now
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "endpoint_hash"}},
			DoUpdates: clause.AssignmentColumns([]string{"user_id", "p256dh", "auth", "updated_at"}),
		}).Create(sub).Error; err != nil {
			return err
		}
		return tx.Where("endpoint_hash = ?", sub.EndpointHash).Take(sub).Error
	})
	return wrap("save push subscription", err)
}

// DeletePushSubscription removes the user's subscription of that endpoint
// and reports whether there was one.
func (s *Store) DeletePushSubscription(ctx context.Context, userID uint64, endpoint string) (bool, error) {
	res := s.db.WithContext(ctx).Where("user_id = ? AND endpoint_hash = ?", userID, endpointHash(endpoint)).Delete(&PushSubscription{})
	return res.RowsAffected > 0, wrap("delete push subscription", res.Error)
}

// DropPushSubscription removes a subscription the push service reported
// gone (404 or 410), with the messages still queued for it.
func (s *Store) DropPushSubscription(ctx context.Context, id uint64) error {
	return wrap("drop push subscription", s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("subscription_id = ?", id).Delete(&PushMessage{}).Error; err != nil {
			return err
		}
		return tx.Delete(&PushSubscription{}, id).Error
	}))
}

// PushSubscriptions lists the user's subscriptions, oldest first.
func (s *Store) PushSubscriptions(ctx context.Context, userID uint64) ([]PushSubscription, error) {
	var out []PushSubscription
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id").Find(&out).Error
	return out, wrap("push subscriptions", err)
}

// PushSubscriptionByID returns one subscription or ErrNotFound.
func (s *Store) PushSubscriptionByID(ctx context.Context, id uint64) (PushSubscription, error) {
	var out PushSubscription
	err := s.db.WithContext(ctx).Take(&out, id).Error
	return out, wrap("push subscription", err)
}

// The states of a queued push message.
const (
	PushPending = "pending"
	PushSent    = "sent"
	PushFailed  = "failed" // given up on: refused for good, or every attempt failed
)

// PushMessage is one Web Push message waiting to be delivered to one
// subscription, or the record of one delivered or given up on. Payload is
// the plaintext JSON, encrypted only when sent (the keys stay with the
// subscription); it is cleared once delivered.
type PushMessage struct {
	ID             uint64
	SubscriptionID uint64
	Payload        string
	Kind           string
	Status         string
	Attempts       int
	LastError      string
	NextAttemptAt  time.Time
	SentAt         *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName is the push outbox table.
func (PushMessage) TableName() string { return "push_outbox" }

// EnqueuePushes stores one pending message per subscription, due at once.
func (s *Store) EnqueuePushes(ctx context.Context, ms []PushMessage) error {
	if len(ms) == 0 {
		return nil
	}
	now := s.now()
	for i := range ms {
		ms[i].Status, ms[i].Attempts, ms[i].NextAttemptAt, ms[i].SentAt, ms[i].CreatedAt, ms[i].UpdatedAt = PushPending, 0, now, nil, now, now
	}
	return wrap("enqueue pushes", s.db.WithContext(ctx).Create(&ms).Error)
}

// PushMessageByID returns one queued message or ErrNotFound.
func (s *Store) PushMessageByID(ctx context.Context, id uint64) (PushMessage, error) {
	var m PushMessage
	err := s.db.WithContext(ctx).Take(&m, id).Error
	return m, wrap("push message", err)
}

// DuePushes lists pending messages due at now, oldest first.
func (s *Store) DuePushes(ctx context.Context, now time.Time, limit int) ([]PushMessage, error) {
	var ms []PushMessage
	err := s.db.WithContext(ctx).Where("status = ? AND next_attempt_at <= ?", PushPending, now.UTC()).
		Order("next_attempt_at").Order("id").Limit(limit).Find(&ms).Error
	return ms, wrap("due pushes", err)
}

// ClaimPush lets exactly one worker attempt a due message: it counts the
// attempt and moves next_attempt_at to until (the lease) if the message is
// still pending and due at now, and reports whether this caller won.
func (s *Store) ClaimPush(ctx context.Context, id uint64, now, until time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&PushMessage{}).
		Where("id = ? AND status = ? AND next_attempt_at <= ?", id, PushPending, now.UTC()).
		Updates(map[string]any{"next_attempt_at": until.UTC(), "attempts": gorm.Expr("attempts + 1"), "updated_at": s.now()})
	return res.RowsAffected > 0, wrap("claim push", res.Error)
}

// RetryPush records a failed attempt and when to try again.
func (s *Store) RetryPush(ctx context.Context, id uint64, next time.Time, lastErr string) error {
	err := s.db.WithContext(ctx).Model(&PushMessage{}).Where("id = ? AND status = ?", id, PushPending).
		Updates(map[string]any{"next_attempt_at": next.UTC(), "last_error": truncate(lastErr, 500), "updated_at": s.now()}).Error
	return wrap("retry push", err)
}

// FinishPush closes a pending message as sent (its payload cleared) or
// failed.
func (s *Store) FinishPush(ctx context.Context, id uint64, status, lastErr string) error {
	now := s.now()
	set := map[string]any{"status": status, "last_error": truncate(lastErr, 500), "updated_at": now}
	if status == PushSent {
		set["sent_at"] = now
		set["payload"] = ""
	}
	err := s.db.WithContext(ctx).Model(&PushMessage{}).Where("id = ? AND status = ?", id, PushPending).Updates(set).Error
	return wrap("finish push", err)
}

// serverKey is one key the server made for itself, shared by every instance.
type serverKey struct {
	Name      string `gorm:"primaryKey"`
	Value     string
	CreatedAt time.Time
}

func (serverKey) TableName() string { return "server_keys" }

// ServerKey returns the value stored under name; when there is none it
// stores make()'s value first. Instances racing to make one all get the
// value that was stored first.
func (s *Store) ServerKey(ctx context.Context, name string, make func() (string, error)) (string, error) {
	var k serverKey
	err := s.db.WithContext(ctx).Take(&k, "name = ?", name).Error
	if err == nil {
		return k.Value, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", wrap("server key", err)
	}
	v, err := make()
	if err != nil {
		return "", err
	}
	k = serverKey{Name: name, Value: v, CreatedAt: s.now()}
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&k).Error; err != nil {
		return "", wrap("server key", err)
	}
	err = s.db.WithContext(ctx).Take(&k, "name = ?", name).Error
	return k.Value, wrap("server key", err)
}

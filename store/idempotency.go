package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Idempotency record states.
const (
	IdemProcessing = "processing"
	IdemDone       = "done"
)

// IdempotencyRecord remembers a client's Idempotency-Key: a hash of the
// request it came with and, once done, the answer that was given.
type IdempotencyRecord struct {
	ID             uint64 `gorm:"primaryKey"`
	UserID         uint64
	IdemKey        string
	RequestHash    string
	State          string
	ResponseStatus int
	ResponseBody   []byte
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName is the table of idempotency records.
func (IdempotencyRecord) TableName() string { return "idempotency_keys" }

// BeginIdempotent claims (userID, key) for a request with the given hash. It
// returns the new record and true when this caller owns the key, or the
// existing record and false when the key was used before (the caller compares
// the hash and replays or waits). The database's unique key makes the claim
// atomic across instances. A record still processing whose last update is
// before staleBefore belonged to a request that died before answering (a
// crash): a request with the same hash takes it over and owns the key (of
// several racing, exactly one). A finished record is never taken over.
func (s *Store) BeginIdempotent(ctx context.Context, userID uint64, key, hash string, staleBefore time.Time) (IdempotencyRecord, bool, error) {
	now := s.now()
	rec := IdempotencyRecord{UserID: userID, IdemKey: key, RequestHash: hash, State: IdemProcessing, CreatedAt: now, UpdatedAt: now}
	err := s.db.WithContext(ctx).Create(&rec).Error
	if err == nil {
		return rec, true, nil
	}
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		return rec, false, wrap("begin idempotent", err)
	}
	got, err := s.IdempotencyRecord(ctx, userID, key)
	if err != nil || got.State != IdemProcessing || got.RequestHash != hash || !got.UpdatedAt.Before(staleBefore) {
		return got, false, err
	}
	res := s.db.WithContext(ctx).Model(&IdempotencyRecord{}).
		Where("id = ? AND state = ? AND updated_at = ?", got.ID, IdemProcessing, got.UpdatedAt.UTC()).
		Updates(map[string]any{"updated_at": now})
	if res.Error != nil {
		return got, false, wrap("take over idempotent", res.Error)
	}
	if res.RowsAffected == 0 {
		return got, false, nil // another retry took it over, or it finished
	}
	got.UpdatedAt = now
	return got, true, nil
}

// IdempotencyRecord returns the record of (userID, key) or ErrNotFound.
func (s *Store) IdempotencyRecord(ctx context.Context, userID uint64, key string) (IdempotencyRecord, error) {
	var rec IdempotencyRecord
	err := s.db.WithContext(ctx).Where("user_id = ? AND idem_key = ?", userID, key).Take(&rec).Error
	return rec, wrap("idempotency record", err)
}

// FinishIdempotent stores the answer given under a claimed key.
func (s *Store) FinishIdempotent(ctx context.Context, id uint64, status int, body []byte) error {
	err := s.db.WithContext(ctx).Model(&IdempotencyRecord{}).Where("id = ?", id).
		Updates(map[string]any{"state": IdemDone, "response_status": status, "response_body": body, "updated_at": s.now()}).Error
	return wrap("finish idempotent", err)
}

// ReleaseIdempotent forgets a claimed key whose answer must not be replayed
// (an unknown outcome), so a retry runs the request again.
func (s *Store) ReleaseIdempotent(ctx context.Context, id uint64) error {
	err := s.db.WithContext(ctx).Where("id = ? AND state = ?", id, IdemProcessing).Delete(&IdempotencyRecord{}).Error
	return wrap("release idempotent", err)
}

package store

import (
	"context"
	"time"
)

// Session is a login. Only the SHA-256 of its bearer token is stored, so a
// leaked database does not leak usable tokens.
type Session struct {
	ID        uint64
	TokenHash string
	UserID    uint64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess *Session) error {
	return wrap("create session", s.db.WithContext(ctx).Create(sess).Error)
}

// UserBySessionToken returns the user owning the unexpired session with that
// token hash, or ErrNotFound.
func (s *Store) UserBySessionToken(ctx context.Context, tokenHash string, now time.Time) (User, error) {
	var u User
	err := s.db.WithContext(ctx).
		Joins("JOIN sessions ON sessions.user_id = users.id").
		Where("sessions.token_hash = ? AND sessions.expires_at > ? AND users.suspended_at IS NULL", tokenHash, now).
		Take(&u).Error
	return u, wrap("session user", err)
}

// DeleteSession revokes the session with that token hash at once. Deleting a
// session that does not exist is not an error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return wrap("delete session", s.db.WithContext(ctx).Where("token_hash = ?", tokenHash).Delete(&Session{}).Error)
}

// DeleteUserSessions revokes every session of the user at once (log out
// everywhere) and reports how many there were.
func (s *Store) DeleteUserSessions(ctx context.Context, userID uint64) (int64, error) {
	res := s.db.WithContext(ctx).Where("user_id = ?", userID).Delete(&Session{})
	return res.RowsAffected, wrap("delete user sessions", res.Error)
}

// DeleteExpiredSessions removes sessions that expired before now and reports how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at <= ?", now).Delete(&Session{})
	return res.RowsAffected, wrap("delete expired sessions", res.Error)
}

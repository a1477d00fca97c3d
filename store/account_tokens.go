package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// The purposes of a single-use account token.
const (
	TokenVerify = "verify" // proves an e-mail address
	TokenReset  = "reset"  // sets a new password
)

// AccountToken is a single-use secret mailed to a user, of which only the
// hash is stored. Email is the address it was sent to.
type AccountToken struct {
	ID        uint64
	UserID    uint64
	Purpose   string
	TokenHash string
	Email     string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// CreateAccountToken stores t (its ID set).
func (s *Store) CreateAccountToken(ctx context.Context, t *AccountToken) error {
	t.CreatedAt = s.now()
	t.ExpiresAt = t.ExpiresAt.UTC()
	return wrap("create account token", s.db.WithContext(ctx).Create(t).Error)
}

// LiveAccountToken returns the unused, unexpired token of that purpose and
// hash, or ErrNotFound.
func (s *Store) LiveAccountToken(ctx context.Context, purpose, hash string, now time.Time) (AccountToken, error) {
	var t AccountToken
	err := s.db.WithContext(ctx).Where("purpose = ? AND token_hash = ? AND used_at IS NULL AND expires_at > ?", purpose, hash, now.UTC()).Take(&t).Error
	return t, wrap("account token", err)
}

// useToken spends a live token inside tx; ErrNotFound when it was not live
// (expired, used, or another request spent it first).
func useToken(tx *gorm.DB, purpose, hash string, now time.Time) (AccountToken, error) {
	var t AccountToken
	if err := tx.Where("purpose = ? AND token_hash = ? AND used_at IS NULL AND expires_at > ?", purpose, hash, now.UTC()).Take(&t).Error; err != nil {
		return t, err
	}
	res := tx.Model(&AccountToken{}).Where("id = ? AND used_at IS NULL", t.ID).Update("used_at", now.UTC())
	if res.Error != nil {
		return t, res.Error
	}
	if res.RowsAffected == 0 {
		return t, gorm.ErrRecordNotFound
	}
	return t, nil
}

// VerifyEmail spends a verification token and marks its user verified, if
// the user's address is still the one the token was sent to (else
// ErrNotFound, and the token stays unspent). It returns the user.
func (s *Store) VerifyEmail(ctx context.Context, hash string, now time.Time) (User, error) {
	var u User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := useToken(tx, TokenVerify, hash, now)
		if err != nil {
			return err
		}
		if err := tx.Take(&u, t.UserID).Error; err != nil {
			return err
		}
		if u.Email != t.Email {
			return gorm.ErrRecordNotFound // rolled back: the address changed since
		}
		u.Verified = true
		return tx.Model(&User{}).Where("id = ?", u.ID).Updates(map[string]any{"verified": true, "updated_at": s.now()}).Error
	})
	return u, wrap("verify email", err)
}

// ResetPassword spends a reset token, sets the user's password hash, spends
// the user's other reset tokens and deletes every session of the user, in
// one transaction. It returns the user; a token not live is ErrNotFound.
func (s *Store) ResetPassword(ctx context.Context, hash, passwordHash string, now time.Time) (User, error) {
	var u User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := useToken(tx, TokenReset, hash, now)
		if err != nil {
			return err
		}
		if err := tx.Model(&User{}).Where("id = ?", t.UserID).
			Updates(map[string]any{"password_hash": passwordHash, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		if err := tx.Model(&AccountToken{}).Where("user_id = ? AND purpose = ? AND used_at IS NULL", t.UserID, TokenReset).
			Update("used_at", now.UTC()).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", t.UserID).Delete(&Session{}).Error; err != nil {
			return err
		}
		return tx.Take(&u, t.UserID).Error
	})
	return u, wrap("reset password", err)
}

// UsersByEmail lists up to limit accounts with that e-mail address.
func (s *Store) UsersByEmail(ctx context.Context, email string, limit int) ([]User, error) {
	var us []User
	err := s.db.WithContext(ctx).Where("email = ?", email).Order("id").Limit(limit).Find(&us).Error
	return us, wrap("users by email", err)
}

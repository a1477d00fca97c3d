package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Roles a user can have.
const (
	RoleCustomer = "customer"
	RoleOwner    = "owner"
	RoleAdmin    = "admin"
)

// The approval states of an owner.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
)

// User is a member account. PasswordHash is an encoded password hash, never a
// password.
type User struct {
	ID           uint64
	LoginID      string
	PasswordHash string
	Nickname     string
	Email        string
	Phone        string
	Role         string
	Verified     bool
	LeftAt       *time.Time // set when the user deleted the account (its personal data is gone)
	// BusinessNumber is an owner's 사업자등록번호 (10 digits, no dashes).
	BusinessNumber string
	// Approval is an owner's standing: ApprovalPending until an admin
	// approves (only an approved owner's stall goes live) or rejects
	// (ApprovalReason says why); "" for other roles.
	Approval       string
	ApprovalReason string
	SuspendedAt    *time.Time // set when an admin suspended the account
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// UserPatch holds the profile fields a user may change; nil leaves a field as it is.
type UserPatch struct {
	Nickname     *string
	Email        *string
	Phone        *string
	PasswordHash *string
	// KeepSession, when set, deletes in the same transaction every session
	// of the user but the one with this token hash ("" keeps none): a
	// password change ends the other logins.
	KeepSession *string
}

// CreateUser inserts u and sets its ID. A taken login id is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	return wrap("create user", s.db.WithContext(ctx).Create(u).Error)
}

// UserByID returns one user or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id uint64) (User, error) {
	var u User
	err := s.db.WithContext(ctx).Take(&u, id).Error
	return u, wrap("user by id", err)
}

// UserByLoginID returns the user with that login id or ErrNotFound.
func (s *Store) UserByLoginID(ctx context.Context, loginID string) (User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("login_id = ?", loginID).Take(&u).Error
	return u, wrap("user by login id", err)
}

// UpdateUser applies p to the user and returns the result. A changed e-mail
// clears the verified flag.
func (s *Store) UpdateUser(ctx context.Context, id uint64, p UserPatch) (User, error) {
	var out User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var u User
		if err := tx.Take(&u, id).Error; err != nil {
			return err
		}
		if p.Nickname != nil {
			u.Nickname = *p.Nickname
		}
		if p.Email != nil && *p.Email != u.Email {
			u.Email = *p.Email
			u.Verified = false
		}
		if p.Phone != nil {
			u.Phone = *p.Phone
		}
		if p.PasswordHash != nil {
			u.PasswordHash = *p.PasswordHash
		}
		if err := tx.Save(&u).Error; err != nil {
			return err
		}
		if p.KeepSession != nil {
			if err := tx.Where("user_id = ? AND token_hash <> ?", id, *p.KeepSession).Delete(&Session{}).Error; err != nil {
				return err
			}
		}
		out = u
		return nil
	})
	return out, wrap("update user", err)
}

// SetVerified sets the user's verified flag (the e-mail check).
func (s *Store) SetVerified(ctx context.Context, id uint64, verified bool) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", id).Update("verified", verified)
	if res.Error == nil && res.RowsAffected == 0 {
		return wrap("set verified", gorm.ErrRecordNotFound)
	}
	return wrap("set verified", res.Error)
}

package store

import (
	"context"

	"gorm.io/gorm"
)

// OwnersByApproval lists owners in that approval state, oldest first, after
// the id afterID, up to limit.
func (s *Store) OwnersByApproval(ctx context.Context, approval string, afterID uint64, limit int) ([]User, error) {
	var us []User
	err := s.db.WithContext(ctx).Where("role = ? AND approval = ? AND id > ? AND left_at IS NULL", RoleOwner, approval, afterID).
		Order("id").Limit(limit).Find(&us).Error
	return us, wrap("owners by approval", err)
}

// SetApproval records an owner's approval state and reason and returns the
// owner; a user who is not a current owner is ErrNotFound.
func (s *Store) SetApproval(ctx context.Context, id uint64, approval, reason string) (User, error) {
	var u User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ? AND role = ? AND left_at IS NULL", id, RoleOwner).
			Updates(map[string]any{"approval": approval, "approval_reason": truncate(reason, 500), "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return gorm.ErrRecordNotFound
		}
		return tx.Take(&u, id).Error
	})
	return u, wrap("set approval", err)
}

// SuspendUser marks the user suspended and deletes every session of it, in
// one transaction; an unknown user is ErrNotFound.
func (s *Store) SuspendUser(ctx context.Context, id uint64) (User, error) {
	var u User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now()
		res := tx.Model(&User{}).Where("id = ? AND left_at IS NULL", id).Updates(map[string]any{"suspended_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return gorm.ErrRecordNotFound
		}
		if err := tx.Where("user_id = ?", id).Delete(&Session{}).Error; err != nil {
			return err
		}
		return tx.Take(&u, id).Error
	})
	return u, wrap("suspend user", err)
}

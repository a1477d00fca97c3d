package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// LeftNickname is the name shown for an account that was deleted: on its
// reviews, and in its orders in the owner's books.
const LeftNickname = "탈퇴한 사용자"

// ErrOpenBusiness: the user still has orders in progress (as customer, or at
// a stall they own) or an open stall; nothing was deleted.
var ErrOpenBusiness = errors.New("store: orders in progress or a stall open")

// openOrderStatuses are the statuses of an order not yet finished.
var openOrderStatuses = []string{OrderPendingPayment, OrderPaid, OrderAccepted, OrderReady}

// LeaveUser erases the user's personal data in one transaction, unless the
// user has an order in progress or an open stall (ErrOpenBusiness): the
// account row stays, so orders and sales stay in the stall's books and
// reviews keep their text, but its login id, nickname (LeftNickname),
// e-mail, phone and password are gone, and so are its sessions, payment
// methods, notifications, mailed tokens and mail, linked sign-in identities,
// push subscriptions, saved places and notification settings. It returns the user as it
// was before.
func (s *Store) LeaveUser(ctx context.Context, id uint64) (User, error) {
	var before User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Take(&before, id).Error; err != nil {
			return err
		}
		if before.LeftAt != nil {
			return gorm.ErrRecordNotFound
		}
		var open int64
		if err := tx.Model(&Order{}).Where("status IN ? AND (customer_id = ? OR pocha_id IN (?))", openOrderStatuses, id,
			tx.Model(&Pocha{}).Select("id").Where("owner_id = ?", id)).Count(&open).Error; err != nil {
			return err
		}
		var live int64
		if err := tx.Model(&Pocha{}).Where("owner_id = ? AND is_open = ?", id, true).Count(&live).Error; err != nil {
			return err
		}
		if open > 0 || live > 0 {
			return fmt.Errorf("%w: %d orders in progress, %d stalls open", ErrOpenBusiness, open, live)
		}
		now := s.now()
		if err := tx.Model(&User{}).Where("id = ?", id).Updates(map[string]any{
			"login_id": fmt.Sprintf("left-%d", id), "nickname": LeftNickname, "email": "", "phone": "",
			"password_hash": "", "verified": false, "left_at": now, "updated_at": now,
		}).Error; err != nil {
			return err
		}
		for _, del := range []struct {
			model any
			where string
			arg   any
		}{
			{&Session{}, "user_id = ?", id},
			{&PaymentMethod{}, "user_id = ?", id},
			{&Notification{}, "receiver_id = ?", id},
			{&AccountToken{}, "user_id = ?", id},
			{&OAuthIdentity{}, "user_id = ?", id},
			{&OutboxMail{}, "to_addr = ?", before.Email},
			{&PushMessage{}, "subscription_id IN (?)", tx.Model(&PushSubscription{}).Select("id").Where("user_id = ?", id)},
			{&PushSubscription{}, "user_id = ?", id},
			{&SavedPlace{}, "user_id = ?", id},
			{&NotificationSettings{}, "user_id = ?", id},
			{&openAlert{}, "user_id = ?", id},
		} {
			if err := tx.Where(del.where, del.arg).Delete(del.model).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrOpenBusiness) {
		return before, err
	}
	return before, wrap("leave user", err)
}

package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Notification kinds.
const (
	NotifyOrderPaid      = "order_paid"       // to a stall's owner: a new paid order
	NotifyOrderAccepted  = "order_accepted"   // to the customer
	NotifyOrderReady     = "order_ready"      // to the customer
	NotifyOrderCancelled = "order_cancelled"  // to the customer, or to the owner when the customer cancelled
	NotifyReviewReply    = "review_reply"     // to a review's author
	NotifyFavouriteOpen  = "favourite_opened" // to a customer: a favourite stall opened
	NotifyPlaceOpen      = "place_opened"     // to a customer: a stall opened near a saved place
	NotifyMarketing      = "marketing"        // news and offers (off unless the user turns them on)
)

// NotificationData points at what a notification is about; zero ids are
// absent.
type NotificationData struct {
	OrderID  uint64 `json:"order_id,omitempty"`
	PochaID  uint64 `json:"pocha_id,omitempty"`
	ReviewID uint64 `json:"review_id,omitempty"`
}

// Notification is an in-app message to one user. SenderID 0 is the system.
// ReadAt is nil until the receiver marks it seen.
type Notification struct {
	ID         uint64
	ReceiverID uint64
	SenderID   uint64
	Kind       string
	Title      string
	Body       string
	Data       NotificationData `gorm:"serializer:json"`
	ReadAt     *time.Time
	CreatedAt  time.Time
}

// CreateNotifications inserts every notification in one transaction and sets
// their IDs and creation times. An unknown receiver is ErrInvalidRef.
func (s *Store) CreateNotifications(ctx context.Context, ns []Notification) error {
	if len(ns) == 0 {
		return nil
	}
	now := s.now()
	for i := range ns {
		ns[i].CreatedAt = now
		ns[i].ReadAt = nil
	}
	return wrap("create notifications", s.tx(ctx, func(tx *gorm.DB) error {
		for i := range ns {
			if err := tx.Create(&ns[i]).Error; err != nil {
				return err
			}
		}
		return nil
	}))
}

// ListNotifications returns the receiver's notifications, newest (highest
// id) first, those below beforeID when it is not 0, at most limit (1 to 100;
// other values mean 100).
func (s *Store) ListNotifications(ctx context.Context, receiverID, beforeID uint64, limit int) ([]Notification, error) {
	q := s.db.WithContext(ctx).Where("receiver_id = ?", receiverID)
	if beforeID != 0 {
		q = q.Where("id < ?", beforeID)
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	ns := []Notification{}
	err := q.Order("id DESC").Limit(limit).Find(&ns).Error
	return ns, wrap("list notifications", err)
}

// UnreadNotifications counts the receiver's notifications not yet seen.
func (s *Store) UnreadNotifications(ctx context.Context, receiverID uint64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Notification{}).Where("receiver_id = ? AND read_at IS NULL", receiverID).Count(&n).Error
	return n, wrap("unread notifications", err)
}

// MarkNotificationRead marks the receiver's notification seen and returns it.
// Marking it again keeps the first time. Another user's notification is
// ErrNotFound.
func (s *Store) MarkNotificationRead(ctx context.Context, id, receiverID uint64) (Notification, error) {
	var out Notification
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Notification{}).Where("id = ? AND receiver_id = ? AND read_at IS NULL", id, receiverID).
			Update("read_at", s.now()).Error; err != nil {
			return err
		}
		return tx.Where("receiver_id = ?", receiverID).Take(&out, id).Error
	})
	return out, wrap("mark notification read", err)
}

// DeleteNotification deletes the receiver's notification. Another user's, or
// one that is not there, is ErrNotFound.
func (s *Store) DeleteNotification(ctx context.Context, id, receiverID uint64) error {
	res := s.db.WithContext(ctx).Where("id = ? AND receiver_id = ?", id, receiverID).Delete(&Notification{})
	if res.Error == nil && res.RowsAffected == 0 {
		return wrap("delete notification", gorm.ErrRecordNotFound)
	}
	return wrap("delete notification", res.Error)
}

package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Channels says, for one kind of notification, through which channels it
// reaches the user.
type Channels struct {
	InApp bool `json:"in_app"`
	Push  bool `json:"push"`
	Email bool `json:"email"`
}

// KindChannels are the channels of every kind of notification a user can
// tune: order updates, review replies, favourite and nearby openings, and
// marketing.
type KindChannels struct {
	Order     Channels `json:"order"`
	Review    Channels `json:"review"`
	Favourite Channels `json:"favourite"`
	Marketing Channels `json:"marketing"`
}

// NotificationSettings are a user's notification preferences. QuietStart and
// QuietEnd are "HH:MM" in Korea time (Asia/Seoul), both empty for no quiet
// hours; the span may pass midnight (22:00 to 07:00).
type NotificationSettings struct {
	UserID     uint64       `gorm:"primaryKey;autoIncrement:false"`
	Channels   KindChannels `gorm:"serializer:json"`
	QuietStart string
	QuietEnd   string
	UpdatedAt  time.Time
}

// DefaultNotificationSettings are the preferences of a user who never set
// any: every channel on for orders and reviews; openings in the app and by
// push but not by e-mail; marketing off.
func DefaultNotificationSettings(userID uint64) NotificationSettings {
	on := Channels{InApp: true, Push: true, Email: true}
	return NotificationSettings{UserID: userID, Channels: KindChannels{
		Order: on, Review: on, Favourite: Channels{InApp: true, Push: true}, Marketing: Channels{},
	}}
}

// NotificationSettingsOf returns the user's preferences, the defaults when
// the user never set any.
func (s *Store) NotificationSettingsOf(ctx context.Context, userID uint64) (NotificationSettings, error) {
	var out NotificationSettings
	err := s.db.WithContext(ctx).Take(&out, "user_id = ?", userID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return DefaultNotificationSettings(userID), nil
	}
	return out, wrap("notification settings", err)
}

// SaveNotificationSettings replaces the user's preferences.
func (s *Store) SaveNotificationSettings(ctx context.Context, ns *NotificationSettings) error {
	ns.UpdatedAt = s.now()
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"channels", "quiet_start", "quiet_end", "updated_at"}),
	}).Create(ns).Error
	return wrap("save notification settings", err)
}

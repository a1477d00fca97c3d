package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SavedPlace is a place a customer keeps (home, office) with an alert
// radius: with AlertAnyOpen the customer is told when any stall opens within
// RadiusM of it.
type SavedPlace struct {
	ID           uint64
	UserID       uint64
	Name         string
	Lat          float64
	Lng          float64
	RadiusM      int
	AlertAnyOpen bool
	CreatedAt    time.Time
}

// ReplacePlaces makes ps the user's saved places, in one transaction, and
// sets their ids and creation times (every place gets a new id).
func (s *Store) ReplacePlaces(ctx context.Context, userID uint64, ps []SavedPlace) error {
	now := s.now()
	return wrap("replace places", s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ?", userID).Delete(&SavedPlace{}).Error; err != nil {
			return err
		}
		for i := range ps {
			ps[i].ID, ps[i].UserID, ps[i].CreatedAt = 0, userID, now
			if err := tx.Create(&ps[i]).Error; err != nil {
				return err
			}
		}
		return nil
	}))
}

// PlacesOf lists the user's saved places in the order they were given.
func (s *Store) PlacesOf(ctx context.Context, userID uint64) ([]SavedPlace, error) {
	out := []SavedPlace{}
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id").Find(&out).Error
	return out, wrap("places", err)
}

// PlacesByID returns those of the places that still exist.
func (s *Store) PlacesByID(ctx context.Context, ids []uint64) ([]SavedPlace, error) {
	out := []SavedPlace{}
	if len(ids) == 0 {
		return out, nil
	}
	err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&out).Error
	return out, wrap("places by id", err)
}

// AlertPlacesSince calls fn with every saved place that alerts on any
// opening and was saved at or after since, in pages of batch, oldest first.
// A zero since walks them all.
func (s *Store) AlertPlacesSince(ctx context.Context, since time.Time, batch int, fn func([]SavedPlace) error) error {
	var after uint64
	for {
		var page []SavedPlace
		q := s.db.WithContext(ctx).Where("alert_any_open = ? AND id > ?", true, after)
		if !since.IsZero() {
			q = q.Where("created_at >= ?", since.UTC())
		}
		if err := q.Order("id").Limit(batch).Find(&page).Error; err != nil {
			return wrap("alert places", err)
		}
		if len(page) == 0 {
			return nil
		}
		if err := fn(page); err != nil {
			return err
		}
		after = page[len(page)-1].ID
	}
}

// FavouriteUserIDs lists the users who keep the stall among their
// favourites.
func (s *Store) FavouriteUserIDs(ctx context.Context, pochaID uint64) ([]uint64, error) {
	var ids []uint64
	err := s.db.WithContext(ctx).Model(&Favourite{}).Where("pocha_id = ?", pochaID).Order("user_id").Pluck("user_id", &ids).Error
	return ids, wrap("favourite users", err)
}

// openAlert is when a customer was last told that a stall opened.
type openAlert struct {
	UserID    uint64 `gorm:"primaryKey;autoIncrement:false"`
	PochaID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	AlertedAt time.Time
}

func (openAlert) TableName() string { return "open_alerts" }

// ClaimOpenAlert records that the user is being told the stall opened, at
// now, unless they were told so within window before now; it reports
// whether this caller may tell them. Of callers racing on any instance, at
// most one wins per window.
func (s *Store) ClaimOpenAlert(ctx context.Context, userID, pochaID uint64, now time.Time, window time.Duration) (bool, error) {
	now = now.UTC().Truncate(time.Microsecond)
	db := s.db.WithContext(ctx)
	res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&openAlert{UserID: userID, PochaID: pochaID, AlertedAt: now})
	if res.Error != nil {
		return false, wrap("claim open alert", res.Error)
	}
	if res.RowsAffected > 0 {
		return true, nil
	}
	res = db.Model(&openAlert{}).Where("user_id = ? AND pocha_id = ? AND alerted_at <= ?", userID, pochaID, now.Add(-window)).
		Update("alerted_at", now)
	return res.RowsAffected > 0, wrap("claim open alert", res.Error)
}

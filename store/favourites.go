package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// Favourite records that a user keeps a stall among their favourites.
type Favourite struct {
	UserID    uint64 `gorm:"primaryKey;autoIncrement:false"`
	PochaID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt time.Time
}

// AddFavourite keeps the stall among the user's favourites. Adding it again
// keeps the first time; an unknown user or stall is ErrInvalidRef.
func (s *Store) AddFavourite(ctx context.Context, userID, pochaID uint64) error {
	f := Favourite{UserID: userID, PochaID: pochaID, CreatedAt: s.db.NowFunc()}
	return wrap("add favourite", s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&f).Error)
}

// RemoveFavourite drops the stall from the user's favourites; removing one
// that is not there is no error.
func (s *Store) RemoveFavourite(ctx context.Context, userID, pochaID uint64) error {
	err := s.db.WithContext(ctx).Where("user_id = ? AND pocha_id = ?", userID, pochaID).Delete(&Favourite{}).Error
	return wrap("remove favourite", err)
}

// IsFavourite reports whether the user keeps the stall among their favourites.
func (s *Store) IsFavourite(ctx context.Context, userID, pochaID uint64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Favourite{}).Where("user_id = ? AND pocha_id = ?", userID, pochaID).Count(&n).Error
	return n > 0, wrap("is favourite", err)
}

// FavouritePochas lists the user's favourite stalls, the latest added first.
func (s *Store) FavouritePochas(ctx context.Context, userID uint64) ([]Pocha, error) {
	var ps []Pocha
	err := s.db.WithContext(ctx).Joins("JOIN favourites ON favourites.pocha_id = pochas.id").
		Where("favourites.user_id = ?", userID).
		Order("favourites.created_at DESC").Order("pochas.id DESC").Find(&ps).Error
	return ps, wrap("favourite pochas", err)
}

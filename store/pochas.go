package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Weekdays are the keys of Hours, Monday first.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// Span is one opening period of a day, "HH:MM" to "HH:MM" in Korea time. A
// Close earlier than Open runs past midnight into the next day.
type Span struct {
	Open  string `json:"open"`
	Close string `json:"close"`
}

// Hours maps a weekday key ("mon".."sun") to its opening spans. A missing or
// empty day is a closed day.
type Hours map[string][]Span

// Pocha is a stall.
type Pocha struct {
	ID          uint64
	OwnerID     uint64
	Name        string
	Description string
	Notice      string
	// Category is one of the codes pochas.Categories lists, or "" for none.
	Category    string
	MainImageID *string
	Hours       Hours `gorm:"serializer:json"`
	IsOpen      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// PochaPatch holds the fields an owner may change; nil leaves a field as it is.
// A MainImageID pointing at "" clears the image.
type PochaPatch struct {
	Name        *string
	Description *string
	Notice      *string
	Category    *string
	MainImageID *string
	Hours       *Hours
}

// CreatePocha inserts p and sets its ID. An unknown main image is ErrInvalidRef.
func (s *Store) CreatePocha(ctx context.Context, p *Pocha) error {
	if p.Hours == nil {
		p.Hours = Hours{}
	}
	return wrap("create pocha", s.db.WithContext(ctx).Create(p).Error)
}

// PochaByID returns one stall or ErrNotFound.
func (s *Store) PochaByID(ctx context.Context, id uint64) (Pocha, error) {
	var p Pocha
	err := s.db.WithContext(ctx).Take(&p, id).Error
	return p, wrap("pocha by id", err)
}

// PochasByOwner lists an owner's stalls, oldest first.
func (s *Store) PochasByOwner(ctx context.Context, ownerID uint64) ([]Pocha, error) {
	var ps []Pocha
	err := s.db.WithContext(ctx).Where("owner_id = ?", ownerID).Order("id").Find(&ps).Error
	return ps, wrap("pochas by owner", err)
}

// OpenPochas lists every stall whose open flag is set.
func (s *Store) OpenPochas(ctx context.Context) ([]Pocha, error) {
	var ps []Pocha
	err := s.db.WithContext(ctx).Where("is_open = ?", true).Order("id").Find(&ps).Error
	return ps, wrap("open pochas", err)
}

// UpdatePocha applies patch to the stall if ownerID owns it. A stall of another
// owner is ErrNotFound to this call.
func (s *Store) UpdatePocha(ctx context.Context, id, ownerID uint64, patch PochaPatch) (Pocha, error) {
	var out Pocha
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var p Pocha
		if err := tx.Where("owner_id = ?", ownerID).Take(&p, id).Error; err != nil {
			return err
		}
		if patch.Name != nil {
			p.Name = *patch.Name
		}
		if patch.Description != nil {
			p.Description = *patch.Description
		}
		if patch.Notice != nil {
			p.Notice = *patch.Notice
		}
		if patch.Category != nil {
			p.Category = *patch.Category
		}
		if patch.MainImageID != nil {
			if *patch.MainImageID == "" {
				p.MainImageID = nil
			} else {
				p.MainImageID = patch.MainImageID
			}
		}
		if patch.Hours != nil {
			p.Hours = *patch.Hours
		}
		if err := tx.Save(&p).Error; err != nil {
			return err
		}
		out = p
		return nil
	})
	return out, wrap("update pocha", err)
}

// SetPochaOpen records whether the stall is open.
func (s *Store) SetPochaOpen(ctx context.Context, id uint64, open bool) error {
	res := s.db.WithContext(ctx).Model(&Pocha{}).Where("id = ?", id).
		Updates(map[string]any{"is_open": open, "updated_at": s.db.NowFunc()})
	if res.Error == nil && res.RowsAffected == 0 {
		return wrap("set pocha open", gorm.ErrRecordNotFound)
	}
	return wrap("set pocha open", res.Error)
}

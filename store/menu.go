package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// MenuItem is one food on a stall's menu. Price is in whole Korean won.
type MenuItem struct {
	ID          uint64
	PochaID     uint64
	Name        string
	Description string
	Price       int64
	ImageID     *string
	SoldOut     bool
	Position    int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// MenuItemPatch holds the fields an owner may change; nil leaves a field as it
// is. An ImageID pointing at "" clears the image.
type MenuItemPatch struct {
	Name        *string
	Description *string
	Price       *int64
	ImageID     *string
	SoldOut     *bool
	Position    *int
}

// Menu lists a stall's menu in display order.
func (s *Store) Menu(ctx context.Context, pochaID uint64) ([]MenuItem, error) {
	var items []MenuItem
	err := s.db.WithContext(ctx).Where("pocha_id = ?", pochaID).Order("position, id").Find(&items).Error
	return items, wrap("menu", err)
}

// MenuItemsByIDs returns the named items of one stall, keyed by id; ids of
// other stalls or unknown ids are simply absent.
func (s *Store) MenuItemsByIDs(ctx context.Context, pochaID uint64, ids []uint64) (map[uint64]MenuItem, error) {
	var items []MenuItem
	err := s.db.WithContext(ctx).Where("pocha_id = ? AND id IN ?", pochaID, ids).Find(&items).Error
	out := make(map[uint64]MenuItem, len(items))
	for _, it := range items {
		out[it.ID] = it
	}
	return out, wrap("menu items by ids", err)
}

// CreateMenuItem adds an item to a stall's menu.
func (s *Store) CreateMenuItem(ctx context.Context, it *MenuItem) error {
	return wrap("create menu item", s.db.WithContext(ctx).Create(it).Error)
}

// UpdateMenuItem applies patch to an item of the given stall; an item of
// another stall is ErrNotFound.
func (s *Store) UpdateMenuItem(ctx context.Context, pochaID, itemID uint64, patch MenuItemPatch) (MenuItem, error) {
	var out MenuItem
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var it MenuItem
		if err := tx.Where("pocha_id = ?", pochaID).Take(&it, itemID).Error; err != nil {
			return err
		}
		if patch.Name != nil {
			it.Name = *patch.Name
		}
		if patch.Description != nil {
			it.Description = *patch.Description
		}
		if patch.Price != nil {
			it.Price = *patch.Price
		}
		if patch.ImageID != nil {
			if *patch.ImageID == "" {
				it.ImageID = nil
			} else {
				it.ImageID = patch.ImageID
			}
		}
		if patch.SoldOut != nil {
			it.SoldOut = *patch.SoldOut
		}
		if patch.Position != nil {
			it.Position = *patch.Position
		}
		if err := tx.Save(&it).Error; err != nil {
			return err
		}
		out = it
		return nil
	})
	return out, wrap("update menu item", err)
}

// DeleteMenuItem removes an item of the given stall; an item of another stall
// is ErrNotFound. Orders keep the name and price they were sold at.
func (s *Store) DeleteMenuItem(ctx context.Context, pochaID, itemID uint64) error {
	res := s.db.WithContext(ctx).Where("pocha_id = ? AND id = ?", pochaID, itemID).Delete(&MenuItem{})
	if res.Error == nil && res.RowsAffected == 0 {
		return wrap("delete menu item", gorm.ErrRecordNotFound)
	}
	return wrap("delete menu item", res.Error)
}

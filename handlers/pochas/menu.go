package pochas

import (
	"context"
	"fmt"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// MaxPrice caps a menu price (in won) at something a street stall could charge.
const MaxPrice = 10_000_000

// MenuInput is a menu item as an owner sends it, to create one (Name and
// Price required) or to change one (nil leaves a field as it is; an ImageID
// of "" clears the picture). The JSON names are the API's.
type MenuInput struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Price       *int64  `json:"price"`
	ImageID     *string `json:"image_id"`
	SoldOut     *bool   `json:"sold_out"`
	Position    *int    `json:"position"`
}

func (in *MenuInput) validate(create bool) error {
	var cs check.Fields
	cs.Name("name", in.Name, create, 60)
	if in.Description != nil {
		cs.Text("description", *in.Description, false, 500)
	}
	if in.Price != nil {
		cs.Add(*in.Price < 0 || *in.Price > MaxPrice, "price", "must be 0 to 10,000,000 won")
	} else {
		cs.Add(create, "price", "required (whole won)")
	}
	if in.ImageID != nil && *in.ImageID != "" {
		cs.Add(!check.UUID(*in.ImageID), "image_id", "must be an image id from POST /images")
	}
	if in.Position != nil {
		cs.Add(*in.Position < 0 || *in.Position > 10000, "position", "must be 0 to 10000")
	}
	return cs.Err()
}

// Menu lists the menu of the stall with this id in display order; an
// unknown stall is store.ErrNotFound.
func (s *Service) Menu(ctx context.Context, pochaID uint64) ([]MenuItemView, error) {
	if _, err := s.store.PochaByID(ctx, pochaID); err != nil {
		return nil, err
	}
	items, err := s.store.Menu(ctx, pochaID)
	if err != nil {
		return nil, fmt.Errorf("stalls: menu: %w", err)
	}
	out := make([]MenuItemView, 0, len(items))
	for _, it := range items {
		out = append(out, MenuItemViewOf(it))
	}
	return out, nil
}

// Menus is Menu of each of these stalls in one read, keyed by stall id, for
// stalls the caller already holds: an id is answered whether or not a stall
// has it (an unknown one has an empty menu).
func (s *Service) Menus(ctx context.Context, pochaIDs []uint64) (map[uint64][]MenuItemView, error) {
	all, err := s.store.MenusOf(ctx, pochaIDs)
	if err != nil {
		return nil, fmt.Errorf("stalls: menus: %w", err)
	}
	out := make(map[uint64][]MenuItemView, len(pochaIDs))
	for _, id := range pochaIDs {
		items := make([]MenuItemView, 0, len(all[id]))
		for _, it := range all[id] {
			items = append(items, MenuItemViewOf(it))
		}
		out[id] = items
	}
	return out, nil
}

// AddMenuItem validates in (name and price required; a picture must be the
// owner's) and adds it to the menu of p, a stall Owned returned.
func (s *Service) AddMenuItem(ctx context.Context, p store.Pocha, in MenuInput) (MenuItemView, error) {
	if err := in.validate(true); err != nil {
		return MenuItemView{}, err
	}
	if err := s.checkImageRef(ctx, in.ImageID, p.OwnerID); err != nil {
		return MenuItemView{}, err
	}
	it := store.MenuItem{PochaID: p.ID, Name: *in.Name, Description: deref(in.Description), Price: *in.Price}
	if in.ImageID != nil && *in.ImageID != "" {
		it.ImageID = in.ImageID
	}
	if in.SoldOut != nil {
		it.SoldOut = *in.SoldOut
	}
	if in.Position != nil {
		it.Position = *in.Position
	}
	if err := s.store.CreateMenuItem(ctx, &it); err != nil {
		return MenuItemView{}, fmt.Errorf("stalls: add menu item: %w", err)
	}
	return MenuItemViewOf(it), nil
}

// PatchMenuItem validates and applies the fields in sets to item itemID of
// p, a stall Owned returned; an item not on p's menu is store.ErrNotFound.
func (s *Service) PatchMenuItem(ctx context.Context, p store.Pocha, itemID uint64, in MenuInput) (MenuItemView, error) {
	if err := in.validate(false); err != nil {
		return MenuItemView{}, err
	}
	if err := s.checkImageRef(ctx, in.ImageID, p.OwnerID); err != nil {
		return MenuItemView{}, err
	}
	it, err := s.store.UpdateMenuItem(ctx, p.ID, itemID, store.MenuItemPatch{Name: in.Name, Description: in.Description,
		Price: in.Price, ImageID: in.ImageID, SoldOut: in.SoldOut, Position: in.Position})
	if err != nil {
		return MenuItemView{}, fmt.Errorf("stalls: patch menu item: %w", err)
	}
	return MenuItemViewOf(it), nil
}

// DeleteMenuItem removes item itemID from the menu of p, a stall Owned
// returned; an item not on p's menu is store.ErrNotFound.
func (s *Service) DeleteMenuItem(ctx context.Context, p store.Pocha, itemID uint64) error {
	if err := s.store.DeleteMenuItem(ctx, p.ID, itemID); err != nil {
		return fmt.Errorf("stalls: delete menu item: %w", err)
	}
	return nil
}

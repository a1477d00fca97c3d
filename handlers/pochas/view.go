package pochas

import (
	"context"
	"time"

	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/store"
)

// View is a stall as the API shows it. Location is set while the stall is
// open and on the live map; Hours is never null.
type View struct {
	ID           uint64            `json:"id"`
	OwnerID      uint64            `json:"owner_id"`
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	Notice       string            `json:"notice"`
	Category     string            `json:"category"`
	MainImageID  *string           `json:"main_image_id"`
	MainImageURL *string           `json:"main_image_url"`
	Hours        store.Hours       `json:"hours"`
	IsOpen       bool              `json:"is_open"`
	OpenByHours  *bool             `json:"open_by_hours"`
	Rating       float64           `json:"rating"`
	ReviewCount  int64             `json:"review_count"`
	Location     *livemap.Location `json:"location"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// viewOf is the view of a stored stall at loc (nil when it is not on the
// map) with the review summary of its card.
func viewOf(p store.Pocha, loc *livemap.Location, c Card, now time.Time) View {
	out := View{ID: p.ID, OwnerID: p.OwnerID, Name: p.Name, Description: p.Description, Notice: p.Notice,
		Category: p.Category, MainImageID: p.MainImageID, MainImageURL: imageURL(p.MainImageID), Hours: p.Hours,
		IsOpen: p.IsOpen, Rating: c.Rating, ReviewCount: c.ReviewCount, Location: loc,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if out.Hours == nil {
		out.Hours = store.Hours{}
	}
	if open, known := OpenByHours(p.Hours, now); known {
		out.OpenByHours = &open
	}
	return out
}

// View is the view of p with its live position when it is open.
func (s *Service) View(ctx context.Context, p store.Pocha) View {
	return s.Views(ctx, []store.Pocha{p})[0]
}

// Views are the views of ps, in order, with their review summaries read in
// one go, and the live positions of the open ones in another.
func (s *Service) Views(ctx context.Context, ps []store.Pocha) []View {
	cs := s.cardsOf(ctx, ps)
	var locs map[uint64]livemap.Location
	if s.locs != nil {
		var open []uint64
		for _, p := range ps {
			if p.IsOpen {
				open = append(open, p.ID)
			}
		}
		if len(open) > 0 {
			locs = s.locs.LocationsOf(ctx, open)
		}
	}
	now := s.now()
	out := make([]View, len(ps))
	for i, p := range ps {
		var loc *livemap.Location
		if l, ok := locs[p.ID]; ok { // only open stalls were asked
			loc = &l
		}
		out[i] = viewOf(p, loc, cs[i], now)
	}
	return out
}

// MenuItemView is a menu item as the API shows it.
type MenuItemView struct {
	ID          uint64    `json:"id"`
	PochaID     uint64    `json:"pocha_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Price       int64     `json:"price"`
	ImageID     *string   `json:"image_id"`
	ImageURL    *string   `json:"image_url"`
	SoldOut     bool      `json:"sold_out"`
	Position    int       `json:"position"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// MenuItemViewOf is the view of a stored menu item.
func MenuItemViewOf(it store.MenuItem) MenuItemView {
	return MenuItemView{ID: it.ID, PochaID: it.PochaID, Name: it.Name, Description: it.Description, Price: it.Price,
		ImageID: it.ImageID, ImageURL: imageURL(it.ImageID), SoldOut: it.SoldOut, Position: it.Position, UpdatedAt: it.UpdatedAt}
}

// imageURL is where the API serves the picture with this id.
func imageURL(id *string) *string {
	if id == nil {
		return nil
	}
	u := "/api/v1/images/" + *id
	return &u
}

// ViewAt is the view of p at loc, a position the caller already read from
// the live map (nil when it is not there).
func (s *Service) ViewAt(ctx context.Context, p store.Pocha, loc *livemap.Location) View {
	return viewOf(p, loc, s.Cards(ctx, []uint64{p.ID})[0], s.now())
}

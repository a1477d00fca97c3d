// Package pochas is the stalls (pochas) of the owners: creating and editing a
// stall, its menu and its business hours, and who may change them. Its
// errors are the sentinels below, *check.Error for invalid fields, and the
// store's (store.ErrNotFound for an unknown stall or menu item); the HTTP
// layer maps them to answers.
package pochas

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/store"
)

// ErrNotYourPocha refuses a change to a stall by anyone but its owner.
var ErrNotYourPocha = errors.New("stalls: this stall belongs to another owner")

// Locator tells where open stalls are on the live map: the positions of
// those of ids that are there, by id, read in one go. livemap.Reader (and
// so *livemap.Service) satisfies it.
type Locator interface {
	LocationsOf(ctx context.Context, ids []uint64) map[uint64]livemap.Location
}

var _ Locator = livemap.Reader{}

// Deps are what the stalls service needs. Store is required; a nil
// Locations shows no stall's position.
type Deps struct {
	Store     *store.Store
	Locations Locator
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Service runs the stalls, their menus and hours.
type Service struct {
	store *store.Store
	locs  Locator
	now   func() time.Time
	cards cards
}

// New builds the stalls service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{store: d.Store, locs: d.Locations, now: d.Now}
}

// Input is a stall as an owner sends it, to create one (Name required) or to
// change one (nil leaves a field as it is; a MainImageID of "" clears the
// picture). The JSON names are the API's.
type Input struct {
	Name        *string      `json:"name"`
	Description *string      `json:"description"`
	Notice      *string      `json:"notice"`
	Category    *string      `json:"category"`
	MainImageID *string      `json:"main_image_id"`
	Hours       *store.Hours `json:"hours"`
}

// validate checks the fields that are present (trimming the name in place);
// create demands a name.
func (in *Input) validate(create bool) error {
	var cs check.Fields
	cs.Name("name", in.Name, create, 60)
	if in.Description != nil {
		cs.Text("description", *in.Description, false, 2000)
	}
	if in.Notice != nil {
		cs.Text("notice", *in.Notice, false, 500)
	}
	if in.Category != nil {
		cs.Add(*in.Category != "" && !IsCategory(*in.Category), "category", "must be one of the codes GET /categories lists, or empty")
	}
	if in.MainImageID != nil && *in.MainImageID != "" {
		cs.Add(!check.UUID(*in.MainImageID), "main_image_id", "must be an image id from POST /images")
	}
	if in.Hours != nil {
		checkHours(&cs, "hours", *in.Hours)
	}
	return cs.Err()
}

// Pocha returns the stall with this id, or store.ErrNotFound.
func (s *Service) Pocha(ctx context.Context, id uint64) (store.Pocha, error) {
	return s.store.PochaByID(ctx, id)
}

// Pochas returns the stalls with these ids in one read, keyed by id; an
// unknown id is absent. Their cards are cached on the way (one more read
// when some are not), so the views made of them next read nothing.
func (s *Service) Pochas(ctx context.Context, ids []uint64) (map[uint64]store.Pocha, error) {
	m, err := s.store.PochasByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	ps := make([]store.Pocha, 0, len(m))
	for _, p := range m {
		ps = append(ps, p)
	}
	s.cardsOf(ctx, ps)
	return m, nil
}

// Owned returns the stall with this id when userID owns it: an unknown stall
// is store.ErrNotFound, another owner's ErrNotYourPocha. The methods that
// change a stall take the stall Owned returned.
func (s *Service) Owned(ctx context.Context, id, userID uint64) (store.Pocha, error) {
	p, err := s.store.PochaByID(ctx, id)
	if err != nil {
		return store.Pocha{}, err
	}
	if p.OwnerID != userID {
		return store.Pocha{}, ErrNotYourPocha
	}
	return p, nil
}

// Create validates in (a name is required; a picture must be one ownerID
// uploaded) and stores a new, closed stall of ownerID.
func (s *Service) Create(ctx context.Context, ownerID uint64, in Input) (View, error) {
	if err := in.validate(true); err != nil {
		return View{}, err
	}
	if err := s.checkImageRef(ctx, in.MainImageID, ownerID); err != nil {
		return View{}, err
	}
	p := store.Pocha{OwnerID: ownerID, Name: *in.Name, Description: deref(in.Description), Notice: deref(in.Notice),
		Category: deref(in.Category)}
	if in.MainImageID != nil && *in.MainImageID != "" {
		p.MainImageID = in.MainImageID
	}
	if in.Hours != nil {
		p.Hours = *in.Hours
	}
	if err := s.store.CreatePocha(ctx, &p); err != nil {
		return View{}, fmt.Errorf("stalls: create: %w", err)
	}
	return s.View(ctx, p), nil
}

// Patch validates and applies the fields in sets to p, a stall Owned
// returned, and returns the stall as it is now.
func (s *Service) Patch(ctx context.Context, p store.Pocha, in Input) (View, error) {
	if err := in.validate(false); err != nil {
		return View{}, err
	}
	if err := s.checkImageRef(ctx, in.MainImageID, p.OwnerID); err != nil {
		return View{}, err
	}
	out, err := s.store.UpdatePocha(ctx, p.ID, p.OwnerID, store.PochaPatch{Name: in.Name, Description: in.Description,
		Notice: in.Notice, Category: in.Category, MainImageID: in.MainImageID, Hours: in.Hours})
	if err != nil {
		return View{}, fmt.Errorf("stalls: patch: %w", err)
	}
	s.Forget(p.ID)
	return s.View(ctx, out), nil
}

// Mine lists the stalls of ownerID (none is an empty list).
func (s *Service) Mine(ctx context.Context, ownerID uint64) ([]View, error) {
	ps, err := s.store.PochasByOwner(ctx, ownerID)
	if err != nil {
		return nil, fmt.Errorf("stalls: mine: %w", err)
	}
	return s.Views(ctx, ps), nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

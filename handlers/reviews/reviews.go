// Package reviews is what customers say of a stall: a review of a completed
// order (once per order), who may see it, the stall's figures, and the
// owner's reply, whose first writing notifies the author. Its errors are the
// sentinels below, *check.Error for invalid fields, and store.ErrNotFound
// for a review (or stall) the caller may not see.
package reviews

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/store"
)

// MaxText caps a review and a reply, in characters.
const MaxText = 1000

// RecentDays is the window of the recent count in Stats.
const RecentDays = 30

// Errors of the reviews service.
var (
	// ErrOrderNotCompleted refuses a review of an order not yet completed.
	ErrOrderNotCompleted = errors.New("reviews: only a completed order can be reviewed")
	// ErrAlreadyReviewed refuses a second review of the same order.
	ErrAlreadyReviewed = errors.New("reviews: this order already has a review")
	// ErrNotYourPocha refuses a reply by someone who may see the review but
	// does not own its stall.
	ErrNotYourPocha = errors.New("reviews: only the stall's owner replies to its reviews")
)

// Deps are what the reviews service needs; Store and Notes are required.
type Deps struct {
	Store *store.Store
	Notes *notify.Notifier
	Now   func() time.Time // the clock of Stats' recent window; nil is time.Now
	// Written, when set, is told the stall of each new review (the stalls
	// service forgets the stall's cached stars, so the map shows them).
	Written func(pochaID uint64)
}

// Service runs reviews and replies.
type Service struct {
	store   *store.Store
	notes   *notify.Notifier
	now     func() time.Time
	written func(pochaID uint64)
}

// New builds the reviews service.
func New(d Deps) *Service {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return &Service{store: d.Store, notes: d.Notes, now: now, written: d.Written}
}

// Input is a review as its author sends it. The JSON names are the API's.
type Input struct {
	OrderID uint64 `json:"order_id"`
	Stars   int    `json:"stars"`
	Content string `json:"content"`
	Public  *bool  `json:"public"`
}

// validate checks the fields, trimming the content in place.
func (in *Input) validate() error {
	var cs check.Fields
	in.Content = strings.TrimSpace(in.Content)
	cs.Add(in.OrderID == 0, "order_id", "required")
	cs.Add(in.Stars < 1 || in.Stars > 5, "stars", "must be 1 to 5")
	cs.Text("content", in.Content, true, MaxText)
	cs.Add(in.Public == nil, "public", "required (true or false)")
	return cs.Err()
}

// Write stores author's review of the stall pochaID. The order must be
// author's, placed at that stall (else a field error on order_id) and
// completed (ErrOrderNotCompleted); each order is reviewed once
// (ErrAlreadyReviewed).
func (s *Service) Write(ctx context.Context, author store.User, pochaID uint64, in Input) (View, error) {
	if err := in.validate(); err != nil {
		return View{}, err
	}
	o, err := s.store.OrderByID(ctx, in.OrderID)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && o.CustomerID != author.ID):
		return View{}, check.Field("order_id", "no such order of yours")
	case err != nil:
		return View{}, fmt.Errorf("reviews: write: %w", err)
	case o.PochaID != pochaID:
		return View{}, check.Field("order_id", "this order was placed at another stall")
	case o.Status != store.OrderCompleted:
		return View{}, ErrOrderNotCompleted
	}
	r := store.Review{PochaID: pochaID, OrderID: o.ID, AuthorID: author.ID, Stars: in.Stars, Content: in.Content, IsPublic: *in.Public}
	if err := s.store.CreateReview(ctx, &r); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return View{}, ErrAlreadyReviewed
		}
		return View{}, fmt.Errorf("reviews: write: %w", err)
	}
	if s.written != nil {
		s.written(pochaID)
	}
	r.AuthorNickname = author.Nickname
	return ViewOf(r, author.ID), nil
}

// Delete removes a review for its author or an admin; to anyone else it
// does not exist (store.ErrNotFound).
func (s *Service) Delete(ctx context.Context, me store.User, id uint64) error {
	author := me.ID
	if me.Role == store.RoleAdmin {
		author = 0
	}
	if err := s.store.DeleteReview(ctx, id, author); err != nil {
		return fmt.Errorf("reviews: delete: %w", err)
	}
	return nil
}

// canSee: a public review is everyone's; a private one only its author's,
// the stall owner's and an admin's.
func canSee(u store.User, r store.Review, ownerID uint64) bool {
	return r.IsPublic || (u.ID != 0 && (u.ID == r.AuthorID || u.ID == ownerID)) || u.Role == store.RoleAdmin
}

// Hide hides a review (an admin's moderation): it is listed to admins only
// and counted in no statistics; its text is kept. An unknown review is
// store.ErrNotFound.
func (s *Service) Hide(ctx context.Context, id uint64) error {
	return s.store.HideReview(ctx, id)
}

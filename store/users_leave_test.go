package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestLeaveUser(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s)
		r := f.mustReview(t, s, f.alice, 5, true)
		if err := s.CreateSession(ctx, &store.Session{TokenHash: "alice-session", UserID: f.alice.ID, ExpiresAt: f.alice.CreatedAt.AddDate(1, 0, 0)}); err != nil {
			t.Fatal(err)
		}

		// An order in progress (as customer, or at the owner's stall) holds the account.
		o := mustCompletedOrder(t, s, f.bob.ID, f.pocha.ID, f.owner.ID)
		open := store.Order{CustomerID: f.bob.ID, PochaID: f.pocha.ID, Total: 5000, CreatedAt: o.CreatedAt, UpdatedAt: o.CreatedAt,
			Items: []store.OrderItem{{MenuItemID: 1, Name: "어묵", UnitPrice: 5000, Quantity: 1, LineTotal: 5000}}}
		if err := s.CreateOrder(ctx, &open); err != nil {
			t.Fatal(err)
		}
		for _, u := range []store.User{f.bob, f.owner} {
			if _, err := s.LeaveUser(ctx, u.ID); !errors.Is(err, store.ErrOpenBusiness) {
				t.Fatalf("%s left with an order in progress: %v", u.LoginID, err)
			}
			if got, _ := s.UserByID(ctx, u.ID); got.LeftAt != nil || got.Email == "" {
				t.Fatalf("a refused leave changed %+v", got)
			}
		}

		if _, err := s.LeaveUser(ctx, f.alice.ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByID(ctx, f.alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LeftAt == nil || got.Nickname != store.LeftNickname || got.Email != "" || got.Phone != "" || got.PasswordHash != "" || got.LoginID == f.alice.LoginID {
			t.Fatalf("personal data kept: %+v", got)
		}
		if _, err := s.UserByLoginID(ctx, f.alice.LoginID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the old login id still finds the account: %v", err)
		}
		if _, err := s.UserBySessionToken(ctx, "alice-session", got.CreatedAt); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a session survived: %v", err)
		}
		rv, err := s.ReviewByID(ctx, r.ID)
		if err != nil || rv.Content != "맛있어요" || rv.AuthorNickname != store.LeftNickname {
			t.Fatalf("review after leaving: %+v %v", rv, err)
		}
		if ord, err := s.OrderByID(ctx, r.OrderID); err != nil || ord.CustomerID != f.alice.ID || ord.Total != 5000 {
			t.Fatalf("the order left the stall's books: %+v %v", ord, err)
		}
		if _, err := s.LeaveUser(ctx, f.alice.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("left twice: %v", err)
		}
	})
}

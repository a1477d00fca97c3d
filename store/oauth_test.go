package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func newFlow(t *testing.T, s *store.Store, kind, hash string, expires time.Time) store.OAuthFlow {
	t.Helper()
	f := store.OAuthFlow{Kind: kind, TokenHash: hash, BindingHash: "b", Provider: "kakao", Payload: "{}", ExpiresAt: expires}
	if err := s.CreateOAuthFlow(context.Background(), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// A flow record is spent once, even by racing requests, and not after it expired.
func TestOAuthFlowSpentOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		newFlow(t, s, store.OAuthFlowState, "h1", now.Add(10*time.Minute))
		newFlow(t, s, store.OAuthFlowState, "old", now.Add(-time.Second))
		if _, err := s.LiveOAuthFlow(ctx, store.OAuthFlowTicket, "h1", now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another kind: %v", err)
		}
		if _, err := s.SpendOAuthFlow(ctx, store.OAuthFlowState, "old", now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired: %v", err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		won, lost := 0, 0
		for range 6 {
			wg.Go(func() {
				_, err := s.SpendOAuthFlow(ctx, store.OAuthFlowState, "h1", now)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrUnavailable):
					lost++ // SQLite may also report its lock as unavailable
				default:
					t.Errorf("spend: %v", err)
				}
			})
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("%d spends won (%d lost), want exactly 1", won, lost)
		}
		if _, err := s.LiveOAuthFlow(ctx, store.OAuthFlowState, "h1", now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("spent but live: %v", err)
		}
	})
}

// Making an account for an identity is one transaction: a taken login id
// leaves the ticket unspent and nothing made; an identity is unique per
// provider and subject; deleting the account deletes its identities.
func TestCreateOAuthUser(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		taken := mustUser(t, s, "taken", store.RoleCustomer)
		newFlow(t, s, store.OAuthFlowTicket, "t1", now.Add(10*time.Minute))
		u := store.User{LoginID: "taken", Nickname: "n", Email: "a@example.com", Phone: "01011112222", Role: store.RoleCustomer}
		id := store.OAuthIdentity{Provider: "kakao", Subject: "s1", Email: "a@example.com", EmailVerified: true}
		if err := s.CreateOAuthUser(ctx, "t1", &u, &id, now); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("taken login id: %v", err)
		}
		if _, err := s.LiveOAuthFlow(ctx, store.OAuthFlowTicket, "t1", now); err != nil {
			t.Fatalf("the ticket was spent by a failed sign-up: %v", err)
		}
		if _, err := s.OAuthIdentityBySubject(ctx, "kakao", "s1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("identity made by a failed sign-up: %v", err)
		}
		u = store.User{LoginID: "fresh", Nickname: "n", Email: "a@example.com", Phone: "01011112222", Role: store.RoleCustomer}
		id = store.OAuthIdentity{Provider: "kakao", Subject: "s1", Email: "a@example.com", EmailVerified: true}
		if err := s.CreateOAuthUser(ctx, "t1", &u, &id, now); err != nil {
			t.Fatal(err)
		}
		if got, err := s.OAuthIdentityBySubject(ctx, "kakao", "s1"); err != nil || got.UserID != u.ID || !got.EmailVerified {
			t.Fatalf("identity %+v %v", got, err)
		}
		// The same subject again, to another account: refused.
		newFlow(t, s, store.OAuthFlowTicket, "t2", now.Add(10*time.Minute))
		dup := store.OAuthIdentity{Provider: "kakao", Subject: "s1", UserID: taken.ID}
		if err := s.LinkOAuthIdentity(ctx, "t2", &dup, now); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second link of one subject: %v", err)
		}
		// Another provider with the same subject is another identity.
		other := store.OAuthIdentity{Provider: "google", Subject: "s1", UserID: taken.ID}
		if err := s.LinkOAuthIdentity(ctx, "t2", &other, now); err != nil {
			t.Fatal(err)
		}
		if err := s.LinkOAuthIdentity(ctx, "t2", &store.OAuthIdentity{Provider: "facebook", Subject: "s1", UserID: taken.ID}, now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("spent ticket: %v", err)
		}
		if _, err := s.LeaveUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if ids, err := s.OAuthIdentities(ctx, u.ID); err != nil || len(ids) != 0 {
			t.Fatalf("identities after leaving: %+v %v", ids, err)
		}
	})
}

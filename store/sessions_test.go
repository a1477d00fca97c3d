package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// TestEndUserSessions: a user's sessions end all at once, or all but one,
// with a password change in the same step; other users keep theirs.
func TestEndUserSessions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		u := mustUser(t, s, "many", store.RoleCustomer)
		other := mustUser(t, s, "other", store.RoleCustomer)
		for _, sess := range []store.Session{{TokenHash: "a", UserID: u.ID}, {TokenHash: "b", UserID: u.ID},
			{TokenHash: "c", UserID: u.ID}, {TokenHash: "z", UserID: other.ID}} {
			sess.ExpiresAt = now.Add(time.Hour)
			if err := s.CreateSession(ctx, &sess); err != nil {
				t.Fatal(err)
			}
		}
		alive := func(hash string) bool {
			_, err := s.UserBySessionToken(ctx, hash, now)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}
		hash, keep := "new-hash", "c"
		if _, err := s.UpdateUser(ctx, u.ID, store.UserPatch{PasswordHash: &hash, KeepSession: &keep}); err != nil {
			t.Fatal(err)
		}
		if alive("a") || alive("b") || !alive("c") || !alive("z") {
			t.Fatalf("after a password change keeping c: a=%v b=%v c=%v z=%v", alive("a"), alive("b"), alive("c"), alive("z"))
		}
		n, err := s.DeleteUserSessions(ctx, u.ID)
		if err != nil || n != 1 {
			t.Fatalf("deleted %d, %v; want 1", n, err)
		}
		if alive("c") || !alive("z") {
			t.Fatalf("after ending all: c=%v z=%v", alive("c"), alive("z"))
		}
	})
}

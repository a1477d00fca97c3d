package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// Instances racing to make a server key all get the one stored first.
func TestServerKeyMadeOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		var wg sync.WaitGroup
		got := make([]string, 4)
		for i := range got {
			wg.Go(func() {
				v, err := s.ServerKey(context.Background(), "k", func() (string, error) { return fmt.Sprint("made-", i), nil })
				if err != nil {
					t.Error(err)
				}
				got[i] = v
			})
		}
		wg.Wait()
		for _, v := range got {
			if v != got[0] || v == "" {
				t.Fatalf("keys %v", got)
			}
		}
	})
}

// An opening alert is claimed once per window; the window is measured from
// the last alert.
func TestClaimOpenAlert(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s)
		t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		claims := []struct {
			at   time.Duration
			want bool
		}{{0, true}, {0, false}, {59 * time.Minute, false}, {time.Hour, true}, {90 * time.Minute, false}, {2 * time.Hour, true}}
		for _, c := range claims {
			won, err := s.ClaimOpenAlert(ctx, f.alice.ID, f.pocha.ID, t0.Add(c.at), time.Hour)
			if err != nil || won != c.want {
				t.Fatalf("at +%v: %v %v, want %v", c.at, won, err, c.want)
			}
		}
		if won, _ := s.ClaimOpenAlert(ctx, f.bob.ID, f.pocha.ID, t0, time.Hour); !won {
			t.Fatal("another customer's first alert refused")
		}
	})
}

// Leaving removes push subscriptions with their queue, saved places and
// notification settings.
func TestLeaveRemovesPushAndPlaces(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s)
		sub := store.PushSubscription{UserID: f.bob.ID, Endpoint: "https://push.example.com/b", P256dh: "k", Auth: "a"}
		if err := s.SavePushSubscription(ctx, &sub); err != nil {
			t.Fatal(err)
		}
		if err := s.EnqueuePushes(ctx, []store.PushMessage{{SubscriptionID: sub.ID, Payload: "{}"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.ReplacePlaces(ctx, f.bob.ID, []store.SavedPlace{{Name: "집", Lat: 37.5, Lng: 127, RadiusM: 500, AlertAnyOpen: true}}); err != nil {
			t.Fatal(err)
		}
		ns := store.DefaultNotificationSettings(f.bob.ID)
		if err := s.SaveNotificationSettings(ctx, &ns); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LeaveUser(ctx, f.bob.ID); err != nil {
			t.Fatal(err)
		}
		subs, _ := s.PushSubscriptions(ctx, f.bob.ID)
		places, _ := s.PlacesOf(ctx, f.bob.ID)
		due, _ := s.DuePushes(ctx, time.Now().Add(time.Hour), 10)
		if len(subs)+len(places)+len(due) != 0 {
			t.Fatalf("left behind: %d subscriptions, %d places, %d pushes", len(subs), len(places), len(due))
		}
	})
}

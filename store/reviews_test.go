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

// mustCompletedOrder stores an order of the customer at the stall and walks
// it to completed.
func mustCompletedOrder(t *testing.T, s *store.Store, customerID, pochaID, ownerID uint64) store.Order {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	o := store.Order{CustomerID: customerID, PochaID: pochaID, Total: 5000, CreatedAt: now, UpdatedAt: now,
		Items: []store.OrderItem{{MenuItemID: 1, Name: "어묵", UnitPrice: 5000, Quantity: 1, LineTotal: 5000}}}
	if err := s.CreateOrder(ctx, &o); err != nil {
		t.Fatal(err)
	}
	steps := []store.Transition{
		{From: store.OrderPendingPayment, To: store.OrderPaid, By: store.ActorSystem},
		{From: store.OrderPaid, To: store.OrderAccepted, By: store.ActorOwner, ActorID: ownerID, ReadyInMinutes: 10},
		{From: store.OrderAccepted, To: store.OrderReady, By: store.ActorOwner, ActorID: ownerID},
		{From: store.OrderReady, To: store.OrderCompleted, By: store.ActorOwner, ActorID: ownerID},
	}
	for _, st := range steps {
		st.OrderID = o.ID
		var err error
		if o, err = s.TransitionOrder(ctx, st); err != nil {
			t.Fatalf("order %d %s → %s: %v", o.ID, st.From, st.To, err)
		}
	}
	return o
}

// reviewFixture is an owner with a stall and two customers.
type reviewFixture struct {
	owner, other, alice, bob store.User
	pocha, otherPocha        store.Pocha
}

func mustReviewFixture(t *testing.T, s *store.Store) reviewFixture {
	t.Helper()
	ctx := context.Background()
	f := reviewFixture{
		owner: mustUser(t, s, "rv_owner", store.RoleOwner),
		other: mustUser(t, s, "rv_other", store.RoleOwner),
		alice: mustUser(t, s, "rv_alice", store.RoleCustomer),
		bob:   mustUser(t, s, "rv_bob", store.RoleCustomer),
	}
	f.pocha = store.Pocha{OwnerID: f.owner.ID, Name: "리뷰 포차"}
	f.otherPocha = store.Pocha{OwnerID: f.other.ID, Name: "옆 포차"}
	for _, p := range []*store.Pocha{&f.pocha, &f.otherPocha} {
		if err := s.CreatePocha(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f reviewFixture) mustReview(t *testing.T, s *store.Store, author store.User, stars int, public bool) store.Review {
	t.Helper()
	o := mustCompletedOrder(t, s, author.ID, f.pocha.ID, f.owner.ID)
	r := store.Review{PochaID: f.pocha.ID, OrderID: o.ID, AuthorID: author.ID, Stars: stars, Content: "맛있어요", IsPublic: public}
	if err := s.CreateReview(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReviewsCreateAndList(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s)
		pub := f.mustReview(t, s, f.alice, 5, true)
		priv := f.mustReview(t, s, f.bob, 2, false)
		if pub.ID == 0 || priv.ID <= pub.ID {
			t.Fatalf("ids %d %d", pub.ID, priv.ID)
		}
		got, err := s.ReviewByID(ctx, pub.ID)
		if err != nil || got.AuthorNickname != "rv_alice" || got.Stars != 5 || !got.IsPublic || got.ReplyContent != nil {
			t.Fatalf("by id: %+v %v", got, err)
		}
		// One review per order.
		dup := store.Review{PochaID: f.pocha.ID, OrderID: pub.OrderID, AuthorID: f.alice.ID, Stars: 1, Content: "again"}
		if err := s.CreateReview(ctx, &dup); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second review of an order: %v, want ErrConflict", err)
		}
		if _, err := s.ReviewByID(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown review: %v", err)
		}

		ids := func(rs []store.Review) []uint64 {
			out := []uint64{}
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		tests := []struct {
			name string
			f    store.ReviewFilter
			want []uint64
		}{
			{"anonymous_sees_public", store.ReviewFilter{PochaID: f.pocha.ID}, []uint64{pub.ID}},
			{"other_customer_sees_public", store.ReviewFilter{PochaID: f.pocha.ID, ViewerID: f.alice.ID}, []uint64{pub.ID}},
			{"author_sees_own_private", store.ReviewFilter{PochaID: f.pocha.ID, ViewerID: f.bob.ID}, []uint64{priv.ID, pub.ID}},
			{"owner_sees_all", store.ReviewFilter{PochaID: f.pocha.ID, All: true}, []uint64{priv.ID, pub.ID}},
			{"page_before", store.ReviewFilter{PochaID: f.pocha.ID, All: true, BeforeID: priv.ID}, []uint64{pub.ID}},
			{"limit", store.ReviewFilter{PochaID: f.pocha.ID, All: true, Limit: 1}, []uint64{priv.ID}},
			{"other_stall_empty", store.ReviewFilter{PochaID: f.otherPocha.ID, All: true}, []uint64{}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rs, err := s.ListReviews(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if got := ids(rs); !equalIDs(got, tc.want) {
					t.Fatalf("ids %v, want %v", got, tc.want)
				}
			})
		}
	})
}

func equalIDs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReviewReplyAndDelete(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s)
		r := f.mustReview(t, s, f.alice, 4, true)

		if _, _, err := s.SetReviewReply(ctx, r.ID, f.other.ID, "남의 답글"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another owner's reply: %v", err)
		}
		got, first, err := s.SetReviewReply(ctx, r.ID, f.owner.ID, "감사합니다")
		if err != nil || !first || got.ReplyContent == nil || *got.ReplyContent != "감사합니다" || got.RepliedAt == nil || got.AuthorNickname != "rv_alice" {
			t.Fatalf("reply: %+v %v %v", got, first, err)
		}
		got, first, err = s.SetReviewReply(ctx, r.ID, f.owner.ID, "또 오세요")
		if err != nil || first || *got.ReplyContent != "또 오세요" {
			t.Fatalf("replace reply: %+v %v %v", got, first, err)
		}
		if err := s.DeleteReviewReply(ctx, r.ID, f.other.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another owner removes the reply: %v", err)
		}
		for range 2 { // removing twice is fine
			if err := s.DeleteReviewReply(ctx, r.ID, f.owner.ID); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := s.ReviewByID(ctx, r.ID); got.ReplyContent != nil || got.RepliedAt != nil {
			t.Fatalf("reply still there: %+v", got)
		}

		if err := s.DeleteReview(ctx, r.ID, f.bob.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("someone else deletes: %v", err)
		}
		if err := s.DeleteReview(ctx, r.ID, f.alice.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteReview(ctx, r.ID, 0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted twice: %v", err)
		}
		r2 := f.mustReview(t, s, f.bob, 1, false)
		if err := s.DeleteReview(ctx, r2.ID, 0); err != nil { // an admin
			t.Fatal(err)
		}
		if _, _, err := s.SetReviewReply(ctx, r2.ID, f.owner.ID, "x"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("reply to a deleted review: %v", err)
		}
	})
}

func TestReviewStats(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s)
		for _, st := range []int{5, 5, 4, 1} {
			f.mustReview(t, s, f.alice, st, true)
		}
		f.mustReview(t, s, f.bob, 1, false) // private: never counted
		got, err := s.ReviewStatsOf(ctx, f.pocha.ID, time.Now().Add(-30*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := store.ReviewStats{Count: 4, Sum: 15, PerStar: [5]int64{1, 0, 0, 1, 2}, Recent: 4}
		if got != want {
			t.Fatalf("stats %+v, want %+v", got, want)
		}
		got, err = s.ReviewStatsOf(ctx, f.pocha.ID, time.Now().Add(time.Hour))
		if err != nil || got.Recent != 0 || got.Count != 4 {
			t.Fatalf("nothing is recent after now: %+v %v", got, err)
		}
		empty, err := s.ReviewStatsOf(ctx, f.otherPocha.ID, time.Now())
		if err != nil || empty != (store.ReviewStats{}) {
			t.Fatalf("empty stall: %+v %v", empty, err)
		}
	})
}

func TestReviewFirstReplyRace(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		f := mustReviewFixture(t, s)
		r := f.mustReview(t, s, f.alice, 3, true)
		const n = 8
		firsts := make(chan bool, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, first, err := s.SetReviewReply(context.Background(), r.ID, f.owner.ID, "답글 "+string(rune('A'+i)))
				if err != nil {
					t.Error(err)
				}
				firsts <- first
			}()
		}
		wg.Wait()
		close(firsts)
		count := 0
		for f := range firsts {
			if f {
				count++
			}
		}
		if count != 1 {
			t.Fatalf("%d replies were first, want exactly 1", count)
		}
	})
}

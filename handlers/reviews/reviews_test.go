package reviews

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// pushes is a notify.Pusher that remembers whom it told.
type pushes struct {
	mu    sync.Mutex
	users []uint64
}

func (p *pushes) PublishUser(_ context.Context, user uint64, _ string, _ any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.users = append(p.users, user)
	return nil
}

func (p *pushes) got() []uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]uint64(nil), p.users...)
}

// fixture is a reviews service on a fresh store: an owner's stall, a rival
// owner's stall, two customers and an admin.
type fixture struct {
	svc               *Service
	st                *store.Store
	push              *pushes
	owner, rival      store.User
	alice, bob, admin store.User
	pocha, rivalPocha store.Pocha
	now               time.Time
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{st: st, push: &pushes{}, now: time.Now().UTC()}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.svc = New(Deps{Store: st, Notes: notify.New(st, f.push, nil, log), Now: func() time.Time { return f.now }})
	users := []struct {
		u    *store.User
		role string
	}{{&f.owner, store.RoleOwner}, {&f.rival, store.RoleOwner}, {&f.alice, store.RoleCustomer}, {&f.bob, store.RoleCustomer}, {&f.admin, store.RoleAdmin}}
	for i, x := range users {
		n := strconv.Itoa(i)
		*x.u = store.User{LoginID: "user" + n, PasswordHash: "x", Nickname: "닉네임" + n, Email: "u" + n + "@example.com",
			Phone: "01012345678", Role: x.role}
		if err := st.CreateUser(ctx, x.u); err != nil {
			t.Fatal(err)
		}
	}
	f.pocha = store.Pocha{OwnerID: f.owner.ID, Name: "리뷰 포차"}
	f.rivalPocha = store.Pocha{OwnerID: f.rival.ID, Name: "옆집 포차"}
	for _, p := range []*store.Pocha{&f.pocha, &f.rivalPocha} {
		if err := st.CreatePocha(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// orderAt stores an order of the customer at the stall and moves it through
// the real transitions up to status.
func (f *fixture) orderAt(t *testing.T, customer store.User, p store.Pocha, status string) store.Order {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	o := store.Order{CustomerID: customer.ID, PochaID: p.ID, Total: 8000, CreatedAt: now, UpdatedAt: now,
		Items: []store.OrderItem{{MenuItemID: 1, Name: "떡볶이", UnitPrice: 8000, Quantity: 1, LineTotal: 8000}}}
	if err := f.st.CreateOrder(ctx, &o); err != nil {
		t.Fatal(err)
	}
	path := []store.Transition{
		{From: store.OrderPendingPayment, To: store.OrderPaid, By: store.ActorSystem},
		{From: store.OrderPaid, To: store.OrderAccepted, By: store.ActorOwner, ActorID: p.OwnerID, ReadyInMinutes: 10},
		{From: store.OrderAccepted, To: store.OrderReady, By: store.ActorOwner, ActorID: p.OwnerID},
		{From: store.OrderReady, To: store.OrderCompleted, By: store.ActorOwner, ActorID: p.OwnerID},
	}
	var err error
	for _, tr := range path {
		if o.Status == status {
			break
		}
		tr.OrderID = o.ID
		if o, err = f.st.TransitionOrder(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// write reviews a new completed order of the customer at the fixture's stall.
func (f *fixture) write(t *testing.T, customer store.User, stars int, public bool) View {
	t.Helper()
	o := f.orderAt(t, customer, f.pocha, store.OrderCompleted)
	v, err := f.svc.Write(context.Background(), customer, f.pocha.ID, Input{OrderID: o.ID, Stars: stars, Content: "맛있어요", Public: &public})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func fieldOf(err error) string {
	var ce *check.Error
	if errors.As(err, &ce) && len(ce.Fields) > 0 {
		return ce.Fields[0].Field
	}
	return ""
}

func TestWriteEligibility(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		f := newFixture(t, st)
		ctx := context.Background()
		yes := true
		done := f.orderAt(t, f.alice, f.pocha, store.OrderCompleted)
		ready := f.orderAt(t, f.alice, f.pocha, store.OrderReady)
		bobs := f.orderAt(t, f.bob, f.pocha, store.OrderCompleted)
		elsewhere := f.orderAt(t, f.alice, f.rivalPocha, store.OrderCompleted)
		in := func(order uint64) Input {
			return Input{OrderID: order, Stars: 4, Content: "  좋아요  ", Public: &yes}
		}

		v, err := f.svc.Write(ctx, f.alice, f.pocha.ID, in(done.ID))
		if err != nil || v.ID == 0 || v.Content != "좋아요" || !v.Mine || v.AuthorNickname != f.alice.Nickname || v.Reply != nil {
			t.Fatalf("written %+v %v", v, err)
		}
		tests := []struct {
			name  string
			in    Input
			err   error  // a sentinel, or nil for a field error
			field string // the field at fault
		}{
			{"already_reviewed", in(done.ID), ErrAlreadyReviewed, ""},
			{"not_completed", in(ready.ID), ErrOrderNotCompleted, ""},
			{"another_customers_order", in(bobs.ID), nil, "order_id"},
			{"unknown_order", in(999999), nil, "order_id"},
			{"order_of_another_stall", in(elsewhere.ID), nil, "order_id"},
			{"stars_0", Input{OrderID: done.ID, Stars: 0, Content: "x", Public: &yes}, nil, "stars"},
			{"content_blank", Input{OrderID: done.ID, Stars: 1, Content: " ", Public: &yes}, nil, "content"},
			{"public_missing", Input{OrderID: done.ID, Stars: 1, Content: "x"}, nil, "public"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.Write(ctx, f.alice, f.pocha.ID, tc.in)
				if tc.err != nil && !errors.Is(err, tc.err) {
					t.Fatalf("%v, want %v", err, tc.err)
				}
				if tc.err == nil && fieldOf(err) != tc.field {
					t.Fatalf("%v, want a field error on %s", err, tc.field)
				}
			})
		}
	})
}

func TestVisibilityStatsDelete(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		f := newFixture(t, st)
		ctx := context.Background()
		pub := f.write(t, f.alice, 4, true)
		priv := f.write(t, f.bob, 2, false)
		tests := []struct {
			name   string
			viewer store.User
			want   []uint64
		}{
			{"anonymous", store.User{}, []uint64{pub.ID}},
			{"other_customer", f.alice, []uint64{pub.ID}},
			{"other_owner", f.rival, []uint64{pub.ID}},
			{"author", f.bob, []uint64{priv.ID, pub.ID}},
			{"stall_owner", f.owner, []uint64{priv.ID, pub.ID}},
			{"admin", f.admin, []uint64{priv.ID, pub.ID}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				items, next, err := f.svc.List(ctx, tc.viewer, f.pocha.ID, 0, 20)
				if err != nil || next != 0 || len(items) != len(tc.want) {
					t.Fatalf("%+v next %d %v, want ids %v", items, next, err, tc.want)
				}
				for i, id := range tc.want {
					if items[i].ID != id {
						t.Fatalf("ids %+v, want %v", items, tc.want)
					}
				}
			})
		}
		// Paging: one per page, newest first, then the end.
		first, next, err := f.svc.List(ctx, f.owner, f.pocha.ID, 0, 1)
		if err != nil || len(first) != 1 || first[0].ID != priv.ID || next != priv.ID {
			t.Fatalf("first page %+v next %d %v", first, next, err)
		}
		second, next, err := f.svc.List(ctx, f.owner, f.pocha.ID, next, 1)
		if err != nil || len(second) != 1 || second[0].ID != pub.ID || next != 0 {
			t.Fatalf("second page %+v next %d %v", second, next, err)
		}
		if _, _, err := f.svc.List(ctx, f.owner, 999999, 0, 20); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown stall: %v", err)
		}
		// Stats count public reviews only, for everyone.
		st2, err := f.svc.Stats(ctx, f.pocha.ID)
		if err != nil || st2.Count != 1 || st2.Average == nil || *st2.Average != 4 || st2.PerStar["4"] != 1 || st2.PerStar["2"] != 0 ||
			st2.RecentCount != 1 || st2.RecentDays != RecentDays {
			t.Fatalf("stats %+v %v", st2, err)
		}
		f.now = f.now.Add((RecentDays + 1) * 24 * time.Hour)
		if st2, err = f.svc.Stats(ctx, f.pocha.ID); err != nil || st2.RecentCount != 0 || st2.Count != 1 {
			t.Fatalf("stats a month on %+v %v", st2, err)
		}
		if _, err := f.svc.Stats(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("stats of an unknown stall: %v", err)
		}
		// Only the author or an admin deletes; to others the review is not there.
		for _, u := range []store.User{f.alice, f.owner} {
			if err := f.svc.Delete(ctx, u, priv.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("delete by %s: %v", u.LoginID, err)
			}
		}
		if err := f.svc.Delete(ctx, f.bob, priv.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Delete(ctx, f.admin, pub.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestReplyNotifiesOnce(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		f := newFixture(t, st)
		ctx := context.Background()
		pub := f.write(t, f.alice, 5, true)
		priv := f.write(t, f.bob, 1, false)

		if _, err := f.svc.Repliable(ctx, f.rival, pub.ID); !errors.Is(err, ErrNotYourPocha) {
			t.Fatalf("rival on a public review: %v, want ErrNotYourPocha", err)
		}
		if _, err := f.svc.Repliable(ctx, f.rival, priv.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rival on a private review: %v, want store.ErrNotFound", err)
		}
		if _, err := f.svc.Repliable(ctx, f.owner, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown review: %v", err)
		}
		th, err := f.svc.Repliable(ctx, f.owner, pub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Reply(ctx, th, "  "); fieldOf(err) != "content" {
			t.Fatalf("blank reply: %v", err)
		}
		v, err := f.svc.Reply(ctx, th, " 감사합니다 ")
		if err != nil || v.Reply == nil || v.Reply.Content != "감사합니다" || v.Mine {
			t.Fatalf("replied %+v %v", v, err)
		}
		if _, err := f.svc.Reply(ctx, th, "또 오세요"); err != nil {
			t.Fatal(err)
		}
		if got := f.push.got(); len(got) != 1 || got[0] != f.alice.ID {
			t.Fatalf("pushed to %v, want the author once", got)
		}
		ns, err := st.ListNotifications(ctx, f.alice.ID, 0, 10)
		if err != nil || len(ns) != 1 || ns[0].Kind != store.NotifyReviewReply || ns[0].Body != "감사합니다" ||
			ns[0].SenderID != f.owner.ID || ns[0].Data.ReviewID != pub.ID || ns[0].Data.PochaID != f.pocha.ID {
			t.Fatalf("notifications %+v %v", ns, err)
		}
		if err := f.svc.DeleteReply(ctx, th); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteReply(ctx, th); err != nil {
			t.Fatalf("deleting a missing reply: %v", err)
		}
		items, _, err := f.svc.List(ctx, f.owner, f.pocha.ID, 0, 20)
		if err != nil || items[1].ID != pub.ID || items[1].Reply != nil {
			t.Fatalf("reply still shown: %+v %v", items, err)
		}
	})
}

package livemap

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// recorder is a Publisher that keeps what it was given.
type recorder struct {
	mu     sync.Mutex
	events []realtime.PochaEvent
	topics [][]string
}

func (r *recorder) PublishPocha(_ context.Context, ev realtime.PochaEvent, topics []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	r.topics = append(r.topics, topics)
	return nil
}

func (r *recorder) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.Type)
	}
	return out
}

type fixture struct {
	live  *Service
	pub   *recorder
	st    *store.Store
	owner store.User
	other store.User
	pocha store.Pocha
	clock *time.Time
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{pub: &recorder{}, st: st}
	now := time.Date(2026, 5, 1, 19, 0, 0, 0, time.UTC)
	f.clock = &now
	for _, u := range []*store.User{&f.owner, &f.other} {
		*u = store.User{LoginID: "owner" + time.Now().Format("150405.000000000"), PasswordHash: "x", Nickname: "사장님",
			Email: "o@example.com", Phone: "01012345678", Role: store.RoleOwner, Approval: store.ApprovalApproved}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	f.pocha = store.Pocha{OwnerID: f.owner.ID, Name: "을지로 포차"}
	if err := st.CreatePocha(ctx, &f.pocha); err != nil {
		t.Fatal(err)
	}
	f.live = New(Deps{Index: geo.NewMemoryIndex(), Publisher: f.pub, Store: st,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return *f.clock }})
	return f
}

// eachOpen runs fn in parallel on every database backend with the fixture's
// stall open on the map.
func eachOpen(t *testing.T, fn func(t *testing.T, f *fixture, ctx context.Context)) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		f := newFixture(t, st)
		ctx := context.Background()
		if err := f.live.Open(ctx, f.pocha, 37.566, 126.991); err != nil {
			t.Fatal(err)
		}
		fn(t, f, ctx)
	})
}

func (f *fixture) ownerID() realtime.Identity {
	return realtime.Identity{UserID: f.owner.ID, Role: store.RoleOwner}
}

func TestOpenMoveClose(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		f := newFixture(t, st)
		ctx := context.Background()
		msg := realtime.LocationMsg{PochaID: f.pocha.ID, Lat: 37.566, Lng: 126.991, At: f.clock.Add(-time.Second)}
		if err := f.live.Location(ctx, f.ownerID(), msg); !errors.Is(err, ErrNotOpen) {
			t.Fatalf("move before open: %v, want ErrNotOpen", err)
		}
		if err := f.live.Open(ctx, f.pocha, 37.566, 126.991); err != nil {
			t.Fatal(err)
		}
		if p, err := st.PochaByID(ctx, f.pocha.ID); err != nil || !p.IsOpen {
			t.Fatalf("after open the stall is not open in the database: %v %v", p.IsOpen, err)
		}
		*f.clock = f.clock.Add(10 * time.Second)
		msg.At, msg.Lat = *f.clock, 37.5661
		if err := f.live.Location(ctx, f.ownerID(), msg); err != nil {
			t.Fatal(err)
		}
		if locs := f.live.LocationsOf(ctx, []uint64{f.pocha.ID, f.pocha.ID + 1}); len(locs) != 1 || locs[f.pocha.ID].Lat != 37.5661 ||
			!locs[f.pocha.ID].At.Equal(*f.clock) {
			t.Fatalf("locations after the move: %+v", locs)
		}
		if err := f.live.Close(ctx, f.pocha); err != nil {
			t.Fatal(err)
		}
		got := f.pub.types()
		want := []string{realtime.TypePochaOpened, realtime.TypePochaMoved, realtime.TypePochaClosed}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Fatalf("published %v, want %v", got, want)
		}
	})
}

func TestLocationRefusals(t *testing.T) {
	eachOpen(t, func(t *testing.T, f *fixture, ctx context.Context) {
		at := f.clock.Add(time.Second)
		cases := []struct {
			name string
			who  realtime.Identity
			msg  realtime.LocationMsg
			want error
		}{
			{"customer", realtime.Identity{UserID: f.owner.ID, Role: store.RoleCustomer}, realtime.LocationMsg{PochaID: f.pocha.ID, Lat: 37.5, Lng: 127, At: at}, ErrOwnersOnly},
			{"another_owner", realtime.Identity{UserID: f.other.ID, Role: store.RoleOwner}, realtime.LocationMsg{PochaID: f.pocha.ID, Lat: 37.566, Lng: 126.991, At: at}, ErrNotOwner},
			{"unknown_stall", f.ownerID(), realtime.LocationMsg{PochaID: 999999, Lat: 37.566, Lng: 126.991, At: at}, ErrUnknownPocha},
			{"bad_coordinates", f.ownerID(), realtime.LocationMsg{PochaID: f.pocha.ID, Lat: 91, Lng: 0, At: at}, ErrBadLocation},
			{"future_time", f.ownerID(), realtime.LocationMsg{PochaID: f.pocha.ID, Lat: 37.566, Lng: 126.991, At: f.clock.Add(time.Hour)}, ErrStaleTime},
			{"too_fast", f.ownerID(), realtime.LocationMsg{PochaID: f.pocha.ID, Lat: 35.1, Lng: 129.0, At: at}, ErrTooFast},
		}
		for _, c := range cases {
			if err := f.live.Location(ctx, c.who, c.msg); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		if n := len(f.pub.types()); n != 1 {
			t.Fatalf("%d events published, want only the opening", n)
		}
	})
}

// TestPostLocationBudget: the HTTP budget is per stall, spent only by its
// owner, and unknown stalls leave nothing behind in the limiter.
func TestPostLocationBudget(t *testing.T) {
	eachOpen(t, func(t *testing.T, f *fixture, ctx context.Context) {
		other := realtime.Identity{UserID: f.other.ID, Role: store.RoleOwner}
		for i := range 30 {
			msg := realtime.LocationMsg{PochaID: f.pocha.ID, Lat: 37.566, Lng: 126.991, At: f.clock.Add(time.Duration(i) * time.Millisecond)}
			if err := f.live.PostLocation(ctx, other, msg); !errors.Is(err, ErrNotOwner) {
				t.Fatalf("another owner's position %d: %v", i, err)
			}
		}
		for i := range 5 {
			msg := realtime.LocationMsg{PochaID: uint64(900000 + i), Lat: 1, Lng: 1, At: *f.clock}
			if err := f.live.PostLocation(ctx, other, msg); !errors.Is(err, ErrUnknownPocha) {
				t.Fatalf("unknown stall: %v", err)
			}
		}
		var limited int
		for i := range 15 {
			msg := realtime.LocationMsg{PochaID: f.pocha.ID, Lat: 37.566, Lng: 126.991, At: f.clock.Add(time.Duration(i+1) * time.Millisecond)}
			if err := f.live.PostLocation(ctx, f.ownerID(), msg); errors.Is(err, ErrRateLimited) {
				limited++
			} else if err != nil {
				t.Fatal(err)
			}
		}
		if limited != 5 {
			t.Fatalf("%d of 15 positions refused at once, want 5 (a burst of 10)", limited)
		}
		f.live.httpLimit.mu.Lock()
		n := len(f.live.httpLimit.buckets)
		f.live.httpLimit.mu.Unlock()
		if n != 1 {
			t.Fatalf("%d limiter buckets, want 1 (the owner's stall only)", n)
		}
	})
}

// TestRestartKeepsTheMap: a new index (a restarted instance, a Redis that
// came back empty) is rebuilt from the database; an empty index closes no
// stall that is alive, and one not heard from within the TTL is closed.
func TestRestartKeepsTheMap(t *testing.T) {
	eachOpen(t, func(t *testing.T, f *fixture, ctx context.Context) {
		st := f.st
		*f.clock = f.clock.Add(10 * time.Second)
		msg := realtime.LocationMsg{PochaID: f.pocha.ID, Lat: 37.5662, Lng: 126.9912, At: *f.clock}
		if err := f.live.Location(ctx, f.ownerID(), msg); err != nil {
			t.Fatal(err)
		}
		if err := f.live.Save(ctx); err != nil {
			t.Fatal(err)
		}
		stale := store.Pocha{OwnerID: f.owner.ID, Name: "오래된 포차"}
		if err := st.CreatePocha(ctx, &stale); err != nil {
			t.Fatal(err)
		}
		if err := f.live.Open(ctx, stale, 37.57, 126.98); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveLivePositions(ctx, []store.LivePosition{{PochaID: stale.ID, Lat: 37.57, Lng: 126.98,
			At: f.clock.Add(-time.Hour), Seen: f.clock.Add(-time.Hour)}}); err != nil {
			t.Fatal(err)
		}

		// The same database, an empty index: the restarted map.
		pub := &recorder{}
		again := New(Deps{Index: geo.NewMemoryIndex(), Publisher: pub, Store: st,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return *f.clock }})
		n, err := again.Restore(ctx)
		if err != nil || n != 1 {
			t.Fatalf("restored %d %v, want 1", n, err)
		}
		loc, ok := again.LocationsOf(ctx, []uint64{f.pocha.ID})[f.pocha.ID]
		if !ok || loc.Lat != 37.5662 || !loc.At.Equal(msg.At) {
			t.Fatalf("restored location %+v %v, want the last saved one", loc, ok)
		}
		if p, _ := st.PochaByID(ctx, f.pocha.ID); !p.IsOpen {
			t.Fatal("the live stall was closed by the empty index")
		}
		if p, _ := st.PochaByID(ctx, stale.ID); p.IsOpen {
			t.Fatal("a stall not heard from within the TTL stayed open")
		}
		if got := pub.types(); len(got) != 1 || got[0] != realtime.TypePochaOpened {
			t.Fatalf("published %v, want one pocha.opened", got)
		}
	})
}

// TestPositionRevivesALostStall: the index lost an open stall and no restore
// ran yet; the owner's next position puts it back on the map.
func TestPositionRevivesALostStall(t *testing.T) {
	eachOpen(t, func(t *testing.T, f *fixture, ctx context.Context) {
		if _, _, err := f.live.Index.Remove(ctx, f.pocha.ID); err != nil { // the index forgot it
			t.Fatal(err)
		}
		msg := realtime.LocationMsg{PochaID: f.pocha.ID, Lat: 37.5663, Lng: 126.9913, At: f.clock.Add(time.Second)}
		if err := f.live.Location(ctx, f.ownerID(), msg); err != nil {
			t.Fatalf("position of a lost open stall: %v", err)
		}
		if loc, ok := f.live.LocationsOf(ctx, []uint64{f.pocha.ID})[f.pocha.ID]; !ok || loc.Lat != 37.5663 {
			t.Fatalf("after the position: %+v %v", loc, ok)
		}
		if got := f.pub.types(); got[len(got)-1] != realtime.TypePochaOpened {
			t.Fatalf("published %v, want pocha.opened last", got)
		}
		// A stall the database calls closed stays off the map.
		if err := f.live.Close(ctx, f.pocha); err != nil {
			t.Fatal(err)
		}
		msg.At = msg.At.Add(time.Second)
		if err := f.live.Location(ctx, f.ownerID(), msg); !errors.Is(err, ErrNotOpen) {
			t.Fatalf("position of a closed stall: %v", err)
		}
	})
}

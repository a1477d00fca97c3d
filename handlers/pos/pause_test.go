package pos

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// announcements records what the live map was told.
type announcements struct {
	mu  sync.Mutex
	got []bool
}

func (a *announcements) Announce(_ context.Context, _ uint64, paused bool) error {
	a.mu.Lock()
	a.got = append(a.got, paused)
	a.mu.Unlock()
	return nil
}

// take returns and forgets what was announced.
func (a *announcements) take() []bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.got
	a.got = nil
	return out
}

// stall is a service on a fresh database with one open stall.
type stall struct {
	svc   *Service
	st    *store.Store
	clk   *clock
	ann   *announcements
	owner store.User
	pocha store.Pocha
}

func mustStall(t *testing.T, presence PresenceStore, pauseAfter time.Duration) *stall {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	owner := store.User{LoginID: "owner1", Nickname: "사장", Email: "o@example.com", Phone: "010-0000-0000", Role: store.RoleOwner}
	if err := st.CreateUser(ctx, &owner); err != nil {
		t.Fatal(err)
	}
	p := store.Pocha{OwnerID: owner.ID, Name: "깜빡포차"}
	if err := st.CreatePocha(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if err := st.SetPochaOpen(ctx, p.ID, true); err != nil {
		t.Fatal(err)
	}
	p, err := st.PochaByID(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The clock starts where the database stamped the opening.
	clk := &clock{now: p.UpdatedAt.Add(time.Second)}
	ann := &announcements{}
	svc := New(Deps{Store: st, Presence: presence, Announce: ann, Now: clk.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options: Options{PauseAfter: pauseAfter, Interval: 10 * time.Second}})
	return &stall{svc: svc, st: st, clk: clk, ann: ann, owner: owner, pocha: p}
}

func (s *stall) status(t *testing.T) Status {
	t.Helper()
	st, err := s.svc.StatusOf(context.Background(), s.pocha)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (s *stall) want(t *testing.T, what string, want Status) {
	t.Helper()
	if got := s.status(t); got != want {
		t.Fatalf("%s: status %+v, want %+v", what, got, want)
	}
}

func (s *stall) wantAnnounced(t *testing.T, what string, want ...bool) {
	t.Helper()
	s.svc.sweep(context.Background())
	got := s.ann.take()
	if len(got) != len(want) || (len(got) == 1 && got[0] != want[0]) {
		t.Fatalf("%s: announced %v, want %v", what, got, want)
	}
}

// TestPausing: an open stall with neither a POS device nor an owner screen
// online for PauseAfter stops taking orders and is announced paused once;
// a device or an owner screen coming online resumes it (announced once);
// a connection kept open stays online through the refresh. On both
// presence stores, with an injected clock.
func TestPausing(t *testing.T) {
	for name, factory := range map[string]presenceFactory{
		"memory": func(*testing.T) PresenceStore { return NewMemoryPresence() },
		"redis":  mustRedisPresence,
	} {
		t.Run(name, func(t *testing.T) { testPausing(t, factory) })
	}
}

func testPausing(t *testing.T, factory presenceFactory) {
	ctx := context.Background()
	s := mustStall(t, factory(t), time.Minute)
	accepting := Status{AcceptingOrders: true}
	s.want(t, "just opened", accepting)
	s.wantAnnounced(t, "just opened")

	s.clk.advance(61 * time.Second)
	s.want(t, "unwatched for a minute", Status{})
	if s.svc.Accepting(ctx, s.pocha) {
		t.Fatal("Accepting says yes to a paused stall")
	}
	s.wantAnnounced(t, "paused", true)
	s.wantAnnounced(t, "paused again") // once only

	// A paired box comes online: resumed.
	code, err := s.svc.NewCode(ctx, s.owner.ID, s.pocha.ID)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := s.svc.Pair(ctx, code.Code, "카운터")
	if err != nil {
		t.Fatal(err)
	}
	box := realtime.Identity{UserID: s.owner.ID, Role: store.RoleOwner, DeviceID: dev.DeviceID, PochaID: s.pocha.ID}
	s.svc.Online(ctx, box, "conn-1")
	s.want(t, "box online", Status{POSOnline: true, AcceptingOrders: true})
	s.wantAnnounced(t, "resumed", false)
	if err := s.svc.Heartbeat(ctx, box, "conn-1"); err != nil {
		t.Fatal(err)
	}
	views, err := s.svc.Devices(ctx, s.owner.ID, s.pocha.ID)
	if err != nil || len(views) != 1 || !views[0].Online || views[0].LastSeenAt == nil {
		t.Fatalf("devices = %+v, %v; want the box online, last seen", views, err)
	}

	// Kept open, the connection stays online past the window: Run refreshes it.
	for range 5 {
		s.clk.advance(20 * time.Second)
		s.svc.refresh(ctx)
	}
	s.want(t, "box open for 100 s", Status{POSOnline: true, AcceptingOrders: true})

	// Without refresh, a connection not seen for three intervals is offline,
	// but the stall waits PauseAfter from then before pausing.
	s.clk.advance(31 * time.Second)
	s.want(t, "box silent for 31 s", accepting)
	s.clk.advance(30 * time.Second)
	s.want(t, "box silent for 61 s", Status{})
	s.wantAnnounced(t, "paused by silence", true)

	// The owner's screen opens: resumed; it closes: a minute later, paused.
	screen := realtime.Identity{UserID: s.owner.ID, Role: store.RoleOwner}
	s.svc.Online(ctx, screen, "conn-2")
	s.want(t, "owner online", Status{OwnerOnline: true, AcceptingOrders: true})
	s.wantAnnounced(t, "resumed by the owner", false)
	s.clk.advance(5 * time.Second)
	s.svc.Offline(ctx, screen, "conn-2")
	s.want(t, "owner just left", accepting)
	s.clk.advance(59 * time.Second)
	s.want(t, "owner gone 59 s", accepting)
	s.clk.advance(2 * time.Second)
	s.want(t, "owner gone 61 s", Status{})
	s.wantAnnounced(t, "paused after the owner left", true)

	// A customer's connection counts for nothing.
	s.svc.Online(ctx, realtime.Identity{UserID: 99, Role: store.RoleCustomer}, "conn-3")
	s.want(t, "a customer online", Status{})

	// Closed, it takes no orders whoever is online, and is not swept.
	if err := s.st.SetPochaOpen(ctx, s.pocha.ID, false); err != nil {
		t.Fatal(err)
	}
	s.svc.Online(ctx, box, "conn-4")
	closed := s.pocha
	closed.IsOpen = false
	if st, _ := s.svc.StatusOf(ctx, closed); st != (Status{POSOnline: true}) {
		t.Fatalf("closed: %+v", st)
	}
	s.wantAnnounced(t, "closed")
}

// TestPausingOff: with PauseAfter 0 a stall nobody watches keeps taking
// orders.
func TestPausingOff(t *testing.T) {
	s := mustStall(t, NewMemoryPresence(), 0)
	s.clk.advance(24 * time.Hour)
	s.want(t, "a day unwatched", Status{AcceptingOrders: true})
	s.wantAnnounced(t, "a day unwatched")
}

package pos

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// told records which stalls the live map was told paused or resumed.
type told struct {
	mu     sync.Mutex
	paused map[uint64]bool
	n      int
}

func (a *told) Announce(_ context.Context, id uint64, paused bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.paused == nil {
		a.paused = map[uint64]bool{}
	}
	a.paused[id] = paused
	a.n++
	return nil
}

// take returns and forgets what was announced.
func (a *told) take() (map[uint64]bool, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m, n := a.paused, a.n
	a.paused, a.n = nil, 0
	return m, n
}

// commandCounter counts a client's single commands and pipelines.
type commandCounter struct{ single, pipelines atomic.Int64 }

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { c.single.Add(1); return next(ctx, cmd) }
}
func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { c.pipelines.Add(1); return next(ctx, cmds) }
}

// TestSweepInSteps: a sweep of seven open stalls of two owners, three at a
// time, pauses exactly those with neither a device nor their owner's screen
// online, announces each change once, and on Redis asks in two pipelines
// per step and no single command (three round trips per stall before).
func TestSweepInSteps(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testSweepInSteps(t, NewMemoryPresence(), nil) })
	t.Run("redis", func(t *testing.T) {
		rdb, prefix := mustRedisClient(t)
		var count commandCounter
		rdb.AddHook(&count)
		testSweepInSteps(t, NewRedisPresence(rdb, prefix), &count)
	})
}

func testSweepInSteps(t *testing.T, presence PresenceStore, count *commandCounter) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	var owners [2]store.User
	for i := range owners {
		owners[i] = store.User{LoginID: "sweeper" + string(rune('a'+i)), Nickname: "사장", Email: string(rune('a'+i)) + "@example.com",
			Phone: "010-0000-000" + string(rune('0'+i)), Role: store.RoleOwner}
		if err := st.CreateUser(ctx, &owners[i]); err != nil {
			t.Fatal(err)
		}
	}
	var ids []uint64 // 0–3 owner 0's, 4–6 owner 1's
	for i := range 7 {
		p := store.Pocha{OwnerID: owners[min(i/4, 1)].ID, Name: "포차"}
		if err := st.CreatePocha(ctx, &p); err != nil {
			t.Fatal(err)
		}
		if err := st.SetPochaOpen(ctx, p.ID, true); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	last, err := st.PochaByID(ctx, ids[6])
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: last.UpdatedAt.Add(time.Second)}
	ann := &told{}
	svc := New(Deps{Store: st, Presence: presence, Announce: ann, Now: clk.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options: Options{PauseAfter: time.Minute, Interval: 10 * time.Second}})
	svc.sweepStep = 3

	screen := realtime.Identity{UserID: owners[0].ID, Role: store.RoleOwner}
	box := realtime.Identity{UserID: owners[1].ID, Role: store.RoleOwner, DeviceID: 77, PochaID: ids[5]}
	svc.Online(ctx, screen, "conn-screen")
	svc.Online(ctx, box, "conn-box")
	clk.advance(61 * time.Second)
	svc.refresh(ctx) // the two connections are still open

	if count != nil {
		count.single.Store(0)
		count.pipelines.Store(0)
	}
	svc.sweep(ctx)
	got, n := ann.take()
	if want := map[uint64]bool{ids[4]: true, ids[6]: true}; n != 2 || !maps.Equal(got, want) {
		t.Fatalf("first sweep announced %v (%d), want %v", got, n, want)
	}
	if count != nil {
		if s, p := count.single.Load(), count.pipelines.Load(); s != 0 || p != 6 {
			t.Fatalf("a sweep of 7 stalls, 3 a step: %d single commands and %d pipelines, want 0 and 6", s, p)
		}
	}
	svc.sweep(ctx)
	if got, n := ann.take(); n != 0 {
		t.Fatalf("second sweep announced %v again", got)
	}

	// The owner's screen closes: a minute later the owner's four stalls pause.
	svc.Offline(ctx, screen, "conn-screen")
	clk.advance(61 * time.Second)
	svc.refresh(ctx)
	svc.sweep(ctx)
	got, n = ann.take()
	if want := map[uint64]bool{ids[0]: true, ids[1]: true, ids[2]: true, ids[3]: true}; n != 4 || !maps.Equal(got, want) {
		t.Fatalf("after the screen closed: announced %v (%d), want %v", got, n, want)
	}
	for i, id := range ids {
		p, _ := st.PochaByID(ctx, id)
		if st, err := svc.StatusOf(ctx, p); err != nil || st.AcceptingOrders != (i == 5) {
			t.Fatalf("stall %d: StatusOf %+v, %v; want only the one with the box taking orders", i, st, err)
		}
	}
}

// failingPresence is a presence store whose batch reads fail.
type failingPresence struct{ PresenceStore }

var errPresenceDown = errors.New("presence store down")

func (failingPresence) SeenEach(context.Context, []string, time.Time) ([]map[string]time.Time, error) {
	return nil, errPresenceDown
}

// TestSweepStopsWhenThePresenceStoreFails: nothing is announced or paused,
// and the failure is logged once for the sweep, not once per stall.
func TestSweepStopsWhenThePresenceStoreFails(t *testing.T) {
	var logs logLines
	mem := NewMemoryPresence()
	s := mustStall(t, failingPresence{mem}, time.Minute)
	s.svc.log = slog.New(slog.NewTextHandler(&logs, nil))
	s.clk.advance(61 * time.Second)
	s.svc.sweep(context.Background())
	if got := s.ann.take(); len(got) != 0 {
		t.Fatalf("announced %v while the presence store failed", got)
	}
	if c, _ := setPaused(context.Background(), mem, s.pocha.ID, true); !c {
		t.Fatal("the failed sweep marked the stall paused")
	}
	if n := logs.count("presence: sweep"); n != 1 {
		t.Fatalf("%d sweep warnings, want 1", n)
	}
}

// logLines collects log output.
type logLines struct {
	mu sync.Mutex
	b  []byte
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *logLines) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(string(l.b), s)
}

// turnPresence is a presence store that never gives the sweep's turn and
// counts the sweeps that read it.
type turnPresence struct {
	PresenceStore
	turn  bool
	reads atomic.Int64
}

func (p *turnPresence) SweepTurn(context.Context, time.Duration) (bool, error) { return p.turn, nil }
func (p *turnPresence) SeenEach(ctx context.Context, scopes []string, since time.Time) ([]map[string]time.Time, error) {
	p.reads.Add(1)
	return p.PresenceStore.SeenEach(ctx, scopes, since)
}

// TestRunSweepsOnItsTurnOnly: Run sweeps only when the presence store gives
// this instance the turn.
func TestRunSweepsOnItsTurnOnly(t *testing.T) {
	for _, turn := range []bool{false, true} {
		p := &turnPresence{PresenceStore: NewMemoryPresence(), turn: turn}
		s := mustStall(t, p, time.Minute)
		s.svc.opts.Interval = 10 * time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		s.svc.Run(ctx)
		cancel()
		if n := p.reads.Load(); (n > 0) != turn {
			t.Fatalf("turn %v: %d sweeps", turn, n)
		}
	}
}

package pos

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// PresenceStore keeps who was seen when, shared by every instance (Redis)
// or in one process (memory). A scope is a stall's devices or an owner's
// screens; a member is one connection.
type PresenceStore interface {
	// Mark records member of scope seen at at.
	Mark(ctx context.Context, scope, member string, at time.Time) error
	// Drop forgets member (its connection closed).
	Drop(ctx context.Context, scope, member string) error
	// Seen lists the members of scope seen at or after since, with when.
	Seen(ctx context.Context, scope string, since time.Time) (map[string]time.Time, error)
	// SeenEach is Seen of every scope, in their order, in one go (one
	// round trip on Redis).
	SeenEach(ctx context.Context, scopes []string, since time.Time) ([]map[string]time.Time, error)
	// SetPausedEach records whether each stall of ids is paused
	// (paused[i] for ids[i]), in one go, and reports for each whether
	// that changed: of several instances seeing one change, one gets true.
	SetPausedEach(ctx context.Context, ids []uint64, paused []bool) (changed []bool, err error)
	// SweepTurn reports whether the caller sweeps now: of the instances
	// asking, one a little less often than every.
	SweepTurn(ctx context.Context, every time.Duration) (bool, error)
}

// lastMember is the member that remembers when a scope's last connection
// closed: it counts for how long a stall has been unwatched, not as online.
const lastMember = "last"

func deviceScope(pochaID uint64) string { return "pocha:" + strconv.FormatUint(pochaID, 10) }
func ownerScope(userID uint64) string   { return "owner:" + strconv.FormatUint(userID, 10) }

// scopeOf names where a connection's presence counts, and its member; ""
// for connections that count for no stall (customers).
func scopeOf(who realtime.Identity, key string) (scope, member string) {
	switch {
	case who.DeviceID != 0:
		return deviceScope(who.PochaID), "pos:" + strconv.FormatUint(who.DeviceID, 10) + ":" + key
	case who.Role == store.RoleOwner:
		return ownerScope(who.UserID), key
	}
	return "", ""
}

// localConns are this instance's counted connections, refreshed in the
// presence store every Options.Interval while they stay open.
type localConns struct {
	mu sync.Mutex
	m  map[string][2]string // key → scope, member
}

func newLocalConns() *localConns { return &localConns{m: map[string][2]string{}} }

// Online implements realtime.Presence.
func (s *Service) Online(ctx context.Context, who realtime.Identity, key string) {
	scope, member := scopeOf(who, key)
	if scope == "" {
		return
	}
	s.local.mu.Lock()
	s.local.m[key] = [2]string{scope, member}
	s.local.mu.Unlock()
	s.mark(ctx, scope, member)
}

// Offline implements realtime.Presence.
func (s *Service) Offline(ctx context.Context, who realtime.Identity, key string) {
	scope, member := scopeOf(who, key)
	if scope == "" {
		return
	}
	s.local.mu.Lock()
	delete(s.local.m, key)
	s.local.mu.Unlock()
	if err := s.presence.Drop(ctx, scope, member); err != nil {
		s.log.WarnContext(ctx, "presence: drop failed", "scope", scope, "error", err.Error())
	}
	s.mark(ctx, scope, lastMember)
}

// Heartbeat marks a device online (and records when it was last seen).
func (s *Service) Heartbeat(ctx context.Context, who realtime.Identity, key string) error {
	scope, member := scopeOf(who, key)
	if scope == "" {
		return nil
	}
	s.mark(ctx, scope, member)
	return s.store.TouchDevice(ctx, who.DeviceID, s.now())
}

func (s *Service) mark(ctx context.Context, scope, member string) {
	if err := s.presence.Mark(ctx, scope, member, s.now()); err != nil {
		s.log.WarnContext(ctx, "presence: mark failed", "scope", scope, "error", err.Error())
	}
}

// window is how recent a mark must be to count as online.
func (s *Service) window() time.Duration { return 3 * s.opts.Interval }

func (s *Service) onlineDevices(ctx context.Context, pochaID uint64) (map[uint64]bool, error) {
	seen, err := s.presence.Seen(ctx, deviceScope(pochaID), s.now().Add(-s.window()))
	if err != nil {
		return nil, err
	}
	out := map[uint64]bool{}
	for m := range seen {
		rest, ok := strings.CutPrefix(m, "pos:")
		if !ok {
			continue
		}
		id, _, _ := strings.Cut(rest, ":")
		if n, err := strconv.ParseUint(id, 10, 64); err == nil {
			out[n] = true
		}
	}
	return out, nil
}

// Status is whether a stall's POS devices and owner screens are online, and
// whether it takes orders.
type Status struct {
	POSOnline       bool `json:"pos_online"`
	OwnerOnline     bool `json:"owner_online"`
	AcceptingOrders bool `json:"accepting_orders"`
}

// StatusOf reports the stall's status. A closed stall takes no orders; an
// open one stops when neither a device nor an owner screen was seen for
// Options.PauseAfter (counted from its opening at the earliest).
func (s *Service) StatusOf(ctx context.Context, p store.Pocha) (Status, error) {
	now := s.now()
	seen, err := s.presence.SeenEach(ctx, []string{deviceScope(p.ID), ownerScope(p.OwnerID)}, s.seenSince(now))
	if err != nil {
		return Status{}, err
	}
	return s.statusFrom(p, now, seen[0], seen[1]), nil
}

// seenSince is how far back StatusOf reads the presence store at now.
func (s *Service) seenSince(now time.Time) time.Time {
	return now.Add(-max(s.window(), s.opts.PauseAfter))
}

// statusFrom is the stall's status at now from what the presence store saw
// of its devices (dev) and of its owner's screens (own) since seenSince.
func (s *Service) statusFrom(p store.Pocha, now time.Time, dev, own map[string]time.Time) Status {
	recent := now.Add(-s.window())
	last := p.UpdatedAt
	var st Status
	for _, group := range []struct {
		seen map[string]time.Time
		on   *bool
	}{{dev, &st.POSOnline}, {own, &st.OwnerOnline}} {
		for m, at := range group.seen {
			if at.After(last) {
				last = at
			}
			if m != lastMember && !at.Before(recent) {
				*group.on = true
			}
		}
	}
	st.AcceptingOrders = p.IsOpen
	if p.IsOpen && s.opts.PauseAfter > 0 && !st.POSOnline && !st.OwnerOnline && now.Sub(last) > s.opts.PauseAfter {
		st.AcceptingOrders = false
	}
	return st
}

// Presence reads in the order path. Placing an order asks the presence
// store (Redis) whether the stall is watched; while Redis is down that read
// must not hold the order up.
const (
	// presenceTimeout bounds Accepting's read of the presence store.
	presenceTimeout = 300 * time.Millisecond
	// presenceRest is how long Accepting stops asking a presence store that
	// failed: the orders in between take the stall's word (open) at once.
	presenceRest = 5 * time.Second
)

// Accepting reports whether the stall takes new orders now (the order flow
// asks before placing one). A presence store that cannot say within
// presenceTimeout does not stop orders: the stall is open in the database,
// and an order nobody accepts is cancelled and refunded by the accept
// timeout. After such a failure the store is not asked for presenceRest, so
// an outage costs one order presenceTimeout and the rest nothing.
func (s *Service) Accepting(ctx context.Context, p store.Pocha) bool {
	if !p.IsOpen {
		return false
	}
	if time.Now().UnixNano() < s.presenceDown.Load() {
		return true
	}
	type answer struct {
		st  Status
		err error
	}
	// The read runs on its own: a Redis client may not heed the deadline
	// (go-redis only does with ContextTimeoutEnabled), and the order must
	// not wait for its own timeouts and retries.
	ch := make(chan answer, 1)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), presenceTimeout)
	go func() {
		defer cancel()
		st, err := s.StatusOf(rctx, p)
		ch <- answer{st, err}
	}()
	var a answer
	t := time.NewTimer(presenceTimeout)
	defer t.Stop()
	select {
	case a = <-ch:
	case <-t.C:
		a.err = context.DeadlineExceeded
	case <-ctx.Done():
		return true // the caller gave up; its answer does not matter
	}
	st, err := a.st, a.err
	if err != nil {
		s.presenceDown.Store(time.Now().Add(presenceRest).UnixNano())
		s.log.WarnContext(ctx, "presence: status failed; taking orders on the stall's word", "pocha_id", p.ID, "error", err.Error())
		return true
	}
	return st.AcceptingOrders
}

// StallStatus is StatusOf for the owner of the stall.
func (s *Service) StallStatus(ctx context.Context, ownerID, pochaID uint64) (Status, error) {
	p, err := s.ownStall(ctx, ownerID, pochaID)
	if err != nil {
		return Status{}, err
	}
	return s.StatusOf(ctx, p)
}

// Run refreshes this instance's connections in the presence store and, with
// pausing on, announces every open stall that pauses or resumes, each
// Options.Interval until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.refresh(ctx)
		if s.opts.PauseAfter > 0 && s.sweepTurn(ctx) {
			s.sweep(ctx)
		}
	}
}

func (s *Service) refresh(ctx context.Context) {
	s.local.mu.Lock()
	conns := make([][2]string, 0, len(s.local.m))
	for _, c := range s.local.m {
		conns = append(conns, c)
	}
	s.local.mu.Unlock()
	for _, c := range conns {
		s.mark(ctx, c[0], c[1])
	}
}

// sweepBatch is how many stalls one sweep step reads and writes together:
// two pipelines of at most twice as many commands on Redis.
const sweepBatch = 500

// errEachLengths is a SetPausedEach whose two lists differ in length.
var errEachLengths = errors.New("pos: SetPausedEach: ids and paused differ in length")

// sweep announces the open stalls whose taking of orders changed. It asks
// the presence store about them sweepBatch at a time (each owner's screens
// once per step), not three round trips per stall: 30,000 open stalls
// were 90,000 sequential Redis commands per sweep. Run sweeps only on this
// instance's turn (sweepTurn).
func (s *Service) sweep(ctx context.Context) {
	ps, err := s.store.OpenPochas(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "presence: open stalls", "error", err.Error())
		return
	}
	for start := 0; start < len(ps) && ctx.Err() == nil; start += s.sweepStep {
		if err := s.sweepSome(ctx, ps[start:min(start+s.sweepStep, len(ps))]); err != nil {
			// The store is down or slow: the next interval tries again.
			s.log.WarnContext(ctx, "presence: sweep", "error", err.Error())
			return
		}
	}
}

// sweepTurn reports whether this instance sweeps in this interval. Every
// instance reads the same shared presence, so one sweep an interval is
// enough for all: each asking itself would multiply the presence store's
// load by the number of instances.
func (s *Service) sweepTurn(ctx context.Context) bool {
	ok, err := s.presence.SweepTurn(ctx, s.opts.Interval)
	if err != nil {
		s.log.WarnContext(ctx, "presence: sweep turn", "error", err.Error())
		return false
	}
	return ok
}

// sweepSome is one step of sweep.
func (s *Service) sweepSome(ctx context.Context, ps []store.Pocha) error {
	now := s.now()
	scopes := make([]string, len(ps), 2*len(ps))
	ownerAt := make(map[uint64]int) // owner → index of its scope in scopes
	for i, p := range ps {
		scopes[i] = deviceScope(p.ID)
		if _, ok := ownerAt[p.OwnerID]; !ok {
			ownerAt[p.OwnerID] = len(scopes)
			scopes = append(scopes, ownerScope(p.OwnerID))
		}
	}
	seen, err := s.presence.SeenEach(ctx, scopes, s.seenSince(now))
	if err != nil {
		return err
	}
	ids := make([]uint64, len(ps))
	paused := make([]bool, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
		paused[i] = !s.statusFrom(p, now, seen[i], seen[ownerAt[p.OwnerID]]).AcceptingOrders
	}
	changed, err := s.presence.SetPausedEach(ctx, ids, paused)
	if err != nil {
		return err
	}
	if s.announce == nil {
		return nil
	}
	for i, id := range ids {
		if !changed[i] {
			continue
		}
		if err := s.announce.Announce(ctx, id, paused[i]); err != nil {
			s.log.WarnContext(ctx, "presence: announce failed", "pocha_id", id, "error", err.Error())
		}
	}
	return nil
}

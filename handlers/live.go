package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// LiveOptions tune the live map.
type LiveOptions struct {
	TTL         time.Duration // a stall not heard from for this long drops off the map; default 10 minutes
	MaxSpeedKmh float64       // fastest believable move; default 120 km/h
	MaxSkew     time.Duration // how far in the future a position's time may be; default 30 s
}

func (o LiveOptions) withDefaults() LiveOptions {
	if o.TTL <= 0 {
		o.TTL = 10 * time.Minute
	}
	if o.MaxSpeedKmh <= 0 {
		o.MaxSpeedKmh = 120
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = 30 * time.Second
	}
	return o
}

// publisher is what the live map needs of the WebSocket hub.
type publisher interface {
	PublishPocha(ctx context.Context, ev realtime.PochaEvent, topics []string) error
}

// LiveMap is the live map of open stalls: it checks every position an owner
// sends, keeps the geo index, and publishes the change to the fan-out topics
// the stall left and entered. It implements realtime.Map and
// realtime.Inbound's Location.
type LiveMap struct {
	index   geo.Index
	pub     publisher
	store   *store.Store
	opts    LiveOptions
	log     *slog.Logger
	owners  sync.Map // pocha id → owner id; ownership never changes
	updates *prometheus.CounterVec
	// accepted is updates{result="accepted"}, resolved once: it is counted
	// on every position.
	accepted prometheus.Counter
	now      func() time.Time
}

// NewLiveMap builds the live map. reg may be nil.
func NewLiveMap(index geo.Index, pub publisher, st *store.Store, opts LiveOptions, log *slog.Logger, reg prometheus.Registerer) *LiveMap {
	m := &LiveMap{index: index, pub: pub, store: st, opts: opts.withDefaults(), log: log, now: time.Now,
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "illuwa_location_updates_total", Help: "Stall positions received, by result (accepted or the error code).",
		}, []string{"result"})}
	m.accepted = m.updates.WithLabelValues("accepted")
	if reg != nil {
		reg.MustRegister(m.updates)
	}
	return m
}

// SetPublisher sets where events go; the hub and the live map need each other.
func (m *LiveMap) SetPublisher(p publisher) { m.pub = p }

var _ realtime.Map = (*LiveMap)(nil)

// liveError is a refused position or map action; its code reaches WebSocket
// clients in an error message and HTTP clients in a problem.
type liveError struct {
	status int
	code   string
	msg    string
}

func (e *liveError) Error() string { return e.msg }

// Code is the machine-readable reason.
func (e *liveError) Code() string { return e.code }

func (e *liveError) api() *apiError { return errorf(e.status, e.code, e.msg) }

var (
	errNotOwner      = &liveError{http.StatusForbidden, "forbidden", "only the stall's owner may do this"}
	errNotOpen       = &liveError{http.StatusConflict, "not_open", "the stall is not open: open it first"}
	errBadLocation   = &liveError{http.StatusUnprocessableEntity, "invalid_location", "lat must be -90..90 and lng -180..180, finite numbers"}
	errStaleTime     = &liveError{http.StatusUnprocessableEntity, "stale_time", "the position's time is missing, in the future, or not after the last one"}
	errTooFast       = &liveError{http.StatusUnprocessableEntity, "too_fast", "the move implies an impossible speed"}
	errUnknownPocha  = &liveError{http.StatusNotFound, "not_found", "no such stall"}
	errLiveForbidden = &liveError{http.StatusForbidden, "forbidden", "only owners may send positions"}
)

// ownerOf returns the owner of a stall, cached.
func (m *LiveMap) ownerOf(ctx context.Context, pochaID uint64) (uint64, error) {
	if v, ok := m.owners.Load(pochaID); ok {
		return v.(uint64), nil
	}
	p, err := m.store.PochaByID(ctx, pochaID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, errUnknownPocha
	}
	if err != nil {
		return 0, err
	}
	m.owners.Store(pochaID, p.OwnerID)
	return p.OwnerID, nil
}

func (m *LiveMap) count(err error) {
	var le *liveError
	switch {
	case err == nil:
		m.accepted.Inc()
	case errors.As(err, &le):
		m.updates.WithLabelValues(le.code).Inc()
	default:
		m.updates.WithLabelValues("internal").Inc()
	}
}

// Location checks and applies a position sent by a stall's owner: the sender
// owns the stall, it is open, the coordinates are valid, the time is after the
// last one and not in the future, and the implied speed is believable. The
// index is updated before the move is published to the cells the stall left
// and entered.
func (m *LiveMap) Location(ctx context.Context, who realtime.Identity, msg realtime.LocationMsg) (err error) {
	defer func() { m.count(err) }()
	if who.UserID == 0 || who.Role != store.RoleOwner {
		return errLiveForbidden
	}
	if geo.ValidateCoord(msg.Lat, msg.Lng) != nil {
		return errBadLocation
	}
	now := m.now()
	// Positions are kept to the microsecond; compare at that precision.
	msg.At = msg.At.UTC().Truncate(time.Microsecond)
	if msg.At.IsZero() || msg.At.After(now.Add(m.opts.MaxSkew)) {
		return errStaleTime
	}
	owner, err := m.ownerOf(ctx, msg.PochaID)
	if err != nil {
		return err
	}
	if owner != who.UserID {
		return errNotOwner
	}
	// One atomic step checks open, time and speed against the stored
	// position and stores the move (see geo.Index.Move).
	pos := geo.Position{ID: msg.PochaID, Lat: msg.Lat, Lng: msg.Lng, At: msg.At, Seen: now.UTC()}
	old, err := m.index.Move(ctx, pos, m.opts.MaxSpeedKmh)
	switch {
	case errors.Is(err, geo.ErrNotFound):
		return errNotOpen
	case errors.Is(err, geo.ErrStale):
		return errStaleTime
	case errors.Is(err, geo.ErrTooFast):
		dist, kmh := geo.ImpliedSpeedKmh(old, pos)
		m.log.WarnContext(ctx, "impossible stall speed refused", "pocha_id", msg.PochaID, "user_id", who.UserID,
			"speed_kmh", int(kmh), "distance_m", int(dist))
		return errTooFast
	case err != nil:
		return fmt.Errorf("handlers: live move: %w", err)
	}
	pos.Name = old.Name
	return m.publish(ctx, realtime.TypePochaMoved, pos, "", movedTopics(pos, &old))
}

func (m *LiveMap) publish(ctx context.Context, typ string, p geo.Position, reason string, topics []string) error {
	if m.pub == nil {
		return nil
	}
	err := m.pub.PublishPocha(ctx, realtime.PochaEvent{Type: typ, ID: p.ID, Name: p.Name, Lat: p.Lat, Lng: p.Lng, At: p.At, Reason: reason}, topics)
	if err != nil {
		// The index is the state; a lost event heals with the next move or snapshot.
		m.log.WarnContext(ctx, "publish stall event failed", "pocha_id", p.ID, "type", typ, "error", err.Error())
	}
	return nil
}

// Open puts the owner's stall on the map at lat, lng.
func (m *LiveMap) Open(ctx context.Context, p store.Pocha, lat, lng float64) error {
	if geo.ValidateCoord(lat, lng) != nil {
		return errBadLocation
	}
	now := m.now().UTC()
	if err := m.store.SetPochaOpen(ctx, p.ID, true); err != nil {
		return err
	}
	pos := geo.Position{ID: p.ID, Name: p.Name, Lat: lat, Lng: lng, At: now, Seen: now}
	old, existed, err := m.index.Upsert(ctx, pos)
	if err != nil {
		return fmt.Errorf("handlers: live open: %w", err)
	}
	var prev *geo.Position
	if existed {
		prev = &old
	}
	return m.publish(ctx, realtime.TypePochaOpened, pos, "", movedTopics(pos, prev))
}

// Close takes the stall off the map.
func (m *LiveMap) Close(ctx context.Context, p store.Pocha) error {
	if err := m.store.SetPochaOpen(ctx, p.ID, false); err != nil {
		return err
	}
	prev, existed, err := m.index.Remove(ctx, p.ID)
	if err != nil {
		return fmt.Errorf("handlers: live close: %w", err)
	}
	if !existed {
		return nil
	}
	prev.At = later(m.now().UTC(), prev.At)
	return m.publish(ctx, realtime.TypePochaClosed, prev, "closed", []string{geo.Topic(prev.Lat, prev.Lng)})
}

// Location of an open stall, for API answers.
func (m *LiveMap) locationOf(ctx context.Context, id uint64) (liveLocation, bool) {
	p, ok, err := m.index.Get(ctx, id)
	if err != nil || !ok {
		return liveLocation{}, false
	}
	return liveLocation{Lat: p.Lat, Lng: p.Lng, At: p.At}, true
}

// Snapshot lists the open stalls within radiusM of lat, lng, nearest first.
func (m *LiveMap) Snapshot(ctx context.Context, lat, lng, radiusM float64) ([]realtime.StallView, error) {
	hits, err := m.index.Nearby(ctx, lat, lng, radiusM, 0)
	if err != nil {
		return nil, err
	}
	out := make([]realtime.StallView, len(hits))
	for i, h := range hits {
		out[i] = realtime.StallView{ID: h.ID, Name: h.Name, Lat: h.Lat, Lng: h.Lng, At: h.At, DistanceM: h.DistanceM}
	}
	return out, nil
}

// Topics are the fan-out cells covering the circle.
func (m *LiveMap) Topics(lat, lng, radiusM float64) []string {
	return geo.TopicsCovering(lat, lng, radiusM)
}

// Expire drops stalls not heard from within the TTL, marks them closed and
// tells their watchers. It returns how many expired.
func (m *LiveMap) Expire(ctx context.Context) (int, error) {
	gone, err := m.index.Expire(ctx, m.now().Add(-m.opts.TTL))
	if err != nil {
		return 0, fmt.Errorf("handlers: live expire: %w", err)
	}
	for _, p := range gone {
		if err := m.store.SetPochaOpen(ctx, p.ID, false); err != nil && !errors.Is(err, store.ErrNotFound) {
			m.log.ErrorContext(ctx, "mark expired stall closed", "pocha_id", p.ID, "error", err.Error())
		}
		p.At = later(m.now().UTC(), p.At)
		_ = m.publish(ctx, realtime.TypePochaClosed, p, "expired", []string{geo.Topic(p.Lat, p.Lng)})
	}
	return len(gone), nil
}

// RunExpiry calls Expire every tick until ctx ends.
func (m *LiveMap) RunExpiry(ctx context.Context) {
	every := m.opts.TTL / 20
	every = max(time.Second, min(every, 30*time.Second))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := m.Expire(ctx); err != nil {
				m.log.WarnContext(ctx, "stall expiry failed", "error", err.Error())
			} else if n > 0 {
				m.log.InfoContext(ctx, "stalls expired", "count", n)
			}
		}
	}
}

// Reconcile marks closed every stall the database calls open but the index
// does not have (its position was lost, e.g. an in-memory index restarted).
func (m *LiveMap) Reconcile(ctx context.Context) error {
	open, err := m.store.OpenPochas(ctx)
	if err != nil {
		return err
	}
	for _, p := range open {
		if _, ok, err := m.index.Get(ctx, p.ID); err != nil {
			return err
		} else if !ok {
			if err := m.store.SetPochaOpen(ctx, p.ID, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// later returns now, or just after last when the last position's time is
// ahead of the server clock, so a closing event always sorts after it.
func later(now, last time.Time) time.Time {
	if now.After(last) {
		return now
	}
	return last.Add(time.Millisecond)
}

// movedTopics are the fan-out topics of a change: the cell the stall is in
// now and, when it had a position in another cell, the one it left.
func movedTopics(now geo.Position, prev *geo.Position) []string {
	topics := []string{geo.Topic(now.Lat, now.Lng)}
	if prev != nil {
		if t := geo.Topic(prev.Lat, prev.Lng); t != topics[0] {
			topics = append(topics, t)
		}
	}
	return topics
}

// Package livemap is the live map of open stalls: it checks every position an
// owner sends (ownership, coordinates, time, believable speed, a rate budget),
// keeps the geo index, and publishes each change to the fan-out topics the
// stall left and entered. Its errors are the sentinels below; the HTTP and
// WebSocket layers map them to answers.
package livemap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// Options tune the live map.
type Options struct {
	TTL         time.Duration // a stall not heard from for this long drops off the map; default 10 minutes
	MaxSpeedKmh float64       // fastest believable move; default 120 km/h
	MaxSkew     time.Duration // how far in the future a position's time may be; default 30 s
}

func (o Options) withDefaults() Options {
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

// Publisher is what the live map needs of the WebSocket hub: a
// *realtime.Hub satisfies it.
type Publisher interface {
	PublishPocha(ctx context.Context, ev realtime.PochaEvent, topics []string) error
}

// OpenWatcher hears of every stall that opens, after the map has it (the
// opening alerts; *alerts.Service satisfies it). StallOpened must not block.
type OpenWatcher interface {
	StallOpened(ctx context.Context, pochaID uint64, name string, lat, lng float64)
}

// Service is the live map. It implements realtime.Map (through its Reader)
// and the location half of realtime.Inbound.
type Service struct {
	Reader
	pub     Publisher
	opened  OpenWatcher
	store   *store.Store
	opts    Options
	log     *slog.Logger
	owners  sync.Map // pocha id → owner id; ownership never changes
	updates *prometheus.CounterVec
	// accepted is updates{result="accepted"}, resolved once: it is counted
	// on every position.
	accepted prometheus.Counter
	now      func() time.Time
	// httpLimit caps positions sent over HTTP per stall.
	httpLimit *keyedLimiter

	mu      sync.Mutex
	unsaved map[uint64]store.LivePosition // latest positions not yet saved
}

// Deps are what the live map needs. Index, Store and Log are required; a nil
// Publisher publishes nothing; a nil Registerer keeps the metrics private.
type Deps struct {
	Index      geo.Index
	Publisher  Publisher
	Opened     OpenWatcher // told of each stall that opens (one that was not on the map); nil tells nobody
	Store      *store.Store
	Log        *slog.Logger
	Registerer prometheus.Registerer
	Options    Options
	Now        func() time.Time // the clock; nil is time.Now
}

// New builds the live map.
func New(d Deps) *Service {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	m := &Service{Reader: Reader{Index: d.Index}, pub: d.Publisher, opened: d.Opened, store: d.Store, opts: d.Options.withDefaults(), log: d.Log, now: now,
		httpLimit: newKeyedLimiter(5, 10),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "illuwa_location_updates_total", Help: "Stall positions received, by result (accepted or the error code).",
		}, []string{"result"})}
	m.accepted = m.updates.WithLabelValues("accepted")
	if d.Registerer != nil {
		d.Registerer.MustRegister(m.updates)
	}
	return m
}

var _ realtime.Map = (*Service)(nil)
var _ realtime.Map = Reader{}

// The refusals of the live map.
var (
	ErrOwnersOnly   = errors.New("livemap: only owners may send positions")
	ErrNotOwner     = errors.New("livemap: only the stall's owner may do this")
	ErrNotOpen      = errors.New("livemap: the stall is not open")
	ErrBadLocation  = errors.New("livemap: invalid coordinates")
	ErrStaleTime    = errors.New("livemap: the position's time is missing, in the future or not after the last one")
	ErrTooFast      = errors.New("livemap: the move implies an impossible speed")
	ErrUnknownPocha = errors.New("livemap: no such stall")
	ErrRateLimited  = errors.New("livemap: too many positions for this stall")
	// ErrNotApproved: the stall's owner is not approved by an admin (yet,
	// or was rejected), so the stall cannot go live.
	ErrNotApproved = errors.New("livemap: the owner is not approved yet")
)

// codes names each refusal in the location metric.
var codes = map[error]string{ErrOwnersOnly: "forbidden", ErrNotOwner: "forbidden", ErrNotOpen: "not_open",
	ErrBadLocation: "invalid_location", ErrStaleTime: "stale_time", ErrTooFast: "too_fast", ErrUnknownPocha: "not_found",
	ErrRateLimited: "rate_limited"}

// ownerOf returns the owner of a stall, cached.
func (m *Service) ownerOf(ctx context.Context, pochaID uint64) (uint64, error) {
	if v, ok := m.owners.Load(pochaID); ok {
		return v.(uint64), nil
	}
	p, err := m.store.PochaByID(ctx, pochaID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, ErrUnknownPocha
	}
	if err != nil {
		return 0, err
	}
	m.owners.Store(pochaID, p.OwnerID)
	return p.OwnerID, nil
}

func (m *Service) count(err error) {
	if err == nil {
		m.accepted.Inc()
		return
	}
	if code, ok := codes[err]; ok {
		m.updates.WithLabelValues(code).Inc()
		return
	}
	m.updates.WithLabelValues("internal").Inc()
}

// Location checks and applies a position sent by a stall's owner: the sender
// owns the stall, it is open, the coordinates are valid, the time is after the
// last one and not in the future, and the implied speed is believable. The
// index is updated before the move is published to the cells the stall left
// and entered.
func (m *Service) Location(ctx context.Context, who realtime.Identity, msg realtime.LocationMsg) (err error) {
	defer func() { m.count(err) }()
	if who.UserID == 0 || who.Role != store.RoleOwner {
		return ErrOwnersOnly
	}
	if geo.ValidateCoord(msg.Lat, msg.Lng) != nil {
		return ErrBadLocation
	}
	now := m.now()
	// Positions are kept to the microsecond; compare at that precision.
	msg.At = msg.At.UTC().Truncate(time.Microsecond)
	if msg.At.IsZero() || msg.At.After(now.Add(m.opts.MaxSkew)) {
		return ErrStaleTime
	}
	owner, err := m.ownerOf(ctx, msg.PochaID)
	if err != nil {
		return err
	}
	if owner != who.UserID {
		return ErrNotOwner
	}
	// One atomic step checks open, time and speed against the stored
	// position and stores the move (see geo.Index.Move).
	pos := geo.Position{ID: msg.PochaID, Lat: msg.Lat, Lng: msg.Lng, At: msg.At, Seen: now.UTC()}
	old, err := m.Index.Move(ctx, pos, m.opts.MaxSpeedKmh)
	switch {
	case errors.Is(err, geo.ErrNotFound):
		// The index may have lost the stall (it restarted empty): the
		// database is the record of which stalls are open.
		return m.revive(ctx, pos)
	case errors.Is(err, geo.ErrStale):
		return ErrStaleTime
	case errors.Is(err, geo.ErrTooFast):
		dist, kmh := geo.ImpliedSpeedKmh(old, pos)
		m.log.WarnContext(ctx, "impossible stall speed refused", "pocha_id", msg.PochaID, "user_id", who.UserID,
			"speed_kmh", int(kmh), "distance_m", int(dist))
		return ErrTooFast
	case err != nil:
		return fmt.Errorf("livemap: move: %w", err)
	}
	pos.Name = old.Name
	m.keep(pos)
	return m.publish(ctx, realtime.TypePochaMoved, pos, "", movedTopics(pos, &old))
}

func (m *Service) publish(ctx context.Context, typ string, p geo.Position, reason string, topics []string) error {
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

// Open puts the owner's stall on the map at lat, lng. Only an owner an
// admin approved may open (ErrNotApproved).
func (m *Service) Open(ctx context.Context, p store.Pocha, lat, lng float64) error {
	if geo.ValidateCoord(lat, lng) != nil {
		return ErrBadLocation
	}
	owner, err := m.store.UserByID(ctx, p.OwnerID)
	if err != nil {
		return err
	}
	if owner.Approval != store.ApprovalApproved {
		return ErrNotApproved
	}
	now := m.now().UTC()
	if err := m.store.SetPochaOpen(ctx, p.ID, true); err != nil {
		return err
	}
	pos := geo.Position{ID: p.ID, Name: p.Name, Lat: lat, Lng: lng, At: now, Seen: now}
	old, existed, err := m.Index.Upsert(ctx, pos)
	if err != nil {
		return fmt.Errorf("livemap: open: %w", err)
	}
	if err := m.store.SaveLivePositions(ctx, []store.LivePosition{record(pos)}); err != nil {
		return err
	}
	var prev *geo.Position
	if existed {
		prev = &old
	}
	err = m.publish(ctx, realtime.TypePochaOpened, pos, "", movedTopics(pos, prev))
	if !existed && m.opened != nil {
		m.opened.StallOpened(context.WithoutCancel(ctx), p.ID, p.Name, lat, lng)
	}
	return err
}

// Close takes the stall off the map.
func (m *Service) Close(ctx context.Context, p store.Pocha) error {
	if err := m.store.SetPochaOpen(ctx, p.ID, false); err != nil {
		return err
	}
	prev, existed, err := m.Index.Remove(ctx, p.ID)
	if err != nil {
		return fmt.Errorf("livemap: close: %w", err)
	}
	m.forget(p.ID)
	if err := m.store.DeleteLivePosition(ctx, p.ID); err != nil {
		m.log.WarnContext(ctx, "forget the closed stall's position", "pocha_id", p.ID, "error", err.Error())
	}
	if !existed {
		return nil
	}
	prev.At = later(m.now().UTC(), prev.At)
	return m.publish(ctx, realtime.TypePochaClosed, prev, "closed", []string{geo.Topic(prev.Lat, prev.Lng)})
}

// Location is a stall's last reported position.
type Location struct {
	Lat float64   `json:"lat"`
	Lng float64   `json:"lng"`
	At  time.Time `json:"at"`
}

// Reader is the read side of the live map: what the WebSocket hub needs to
// answer watchers (realtime.Map), and lookups for API answers. It needs
// nothing but the index, so the hub can be built before the Service that
// publishes through it.
type Reader struct {
	Index geo.Index
	// Describer, when set, fills in what the snapshot shows of each stall
	// beside its position (pochas.Service does).
	Describer Describer
}

// Describer fills in the category, stars and open-by-hours of stalls on the
// map; what it cannot tell, it leaves zero.
type Describer interface {
	Describe(ctx context.Context, vs []realtime.StallView)
}

// LocationsOf returns the positions of those of ids that are on the map,
// by id, read in one go (geo.Index.Positions); it is empty when the index
// cannot be read (an answer without positions is still an answer).
func (r Reader) LocationsOf(ctx context.Context, ids []uint64) map[uint64]Location {
	ps, err := r.Index.Positions(ctx, ids)
	if err != nil {
		return map[uint64]Location{}
	}
	out := make(map[uint64]Location, len(ps))
	for id, p := range ps {
		out[id] = Location{Lat: p.Lat, Lng: p.Lng, At: p.At}
	}
	return out
}

// Nearby lists up to limit open stalls within radiusM of lat, lng, nearest
// first (0 is no limit).
func (r Reader) Nearby(ctx context.Context, lat, lng, radiusM float64, limit int) ([]geo.Hit, error) {
	return r.Index.Nearby(ctx, lat, lng, radiusM, limit)
}

// AppendNearby is Nearby appending to dst, which an index that can
// (geo.NearbyAppender) fills without allocating.
func (r Reader) AppendNearby(ctx context.Context, dst []geo.Hit, lat, lng, radiusM float64, limit int) ([]geo.Hit, error) {
	if a, ok := r.Index.(geo.NearbyAppender); ok {
		return a.AppendNearby(ctx, dst, lat, lng, radiusM, limit)
	}
	hits, err := r.Index.Nearby(ctx, lat, lng, radiusM, limit)
	return append(dst, hits...), err
}

// Snapshot lists the open stalls within radiusM of lat, lng, nearest first.
func (r Reader) Snapshot(ctx context.Context, lat, lng, radiusM float64) ([]realtime.StallView, error) {
	hits, err := r.Index.Nearby(ctx, lat, lng, radiusM, 0)
	if err != nil {
		return nil, err
	}
	out := make([]realtime.StallView, len(hits))
	for i, h := range hits {
		out[i] = realtime.StallView{ID: h.ID, Name: h.Name, Lat: h.Lat, Lng: h.Lng, At: h.At, DistanceM: h.DistanceM}
	}
	if r.Describer != nil && len(out) > 0 {
		r.Describer.Describe(ctx, out)
	}
	return out, nil
}

// Topics are the fan-out cells covering the circle.
func (Reader) Topics(lat, lng, radiusM float64) []string {
	return geo.TopicsCovering(lat, lng, radiusM)
}

// Expire drops stalls not heard from within the TTL, marks them closed and
// tells their watchers. It returns how many expired.
func (m *Service) Expire(ctx context.Context) (int, error) {
	gone, err := m.Index.Expire(ctx, m.now().Add(-m.opts.TTL))
	if err != nil {
		return 0, fmt.Errorf("livemap: expire: %w", err)
	}
	for _, p := range gone {
		if err := m.store.SetPochaOpen(ctx, p.ID, false); err != nil && !errors.Is(err, store.ErrNotFound) {
			m.log.ErrorContext(ctx, "mark expired stall closed", "pocha_id", p.ID, "error", err.Error())
		}
		m.forget(p.ID)
		_ = m.store.DeleteLivePosition(ctx, p.ID)
		p.At = later(m.now().UTC(), p.At)
		_ = m.publish(ctx, realtime.TypePochaClosed, p, "expired", []string{geo.Topic(p.Lat, p.Lng)})
	}
	return len(gone), nil
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
	topics := make([]string, 1, 2) // one allocation when the stall changes cells
	topics[0] = geo.Topic(now.Lat, now.Lng)
	if prev != nil {
		if t := geo.Topic(prev.Lat, prev.Lng); t != topics[0] {
			topics = append(topics, t)
		}
	}
	return topics
}

// OwnerOf returns the owner of a stall (ErrUnknownPocha when there is none).
func (m *Service) OwnerOf(ctx context.Context, pochaID uint64) (uint64, error) {
	return m.ownerOf(ctx, pochaID)
}

// PostLocation is Location for clients without a WebSocket: each stall has a
// budget of positions (5 a second, bursts of 10) beyond which ErrRateLimited
// refuses them. Only the stall's owner may spend it: ownership is checked
// first, so other owners cannot starve a stall of its positions.
func (m *Service) PostLocation(ctx context.Context, who realtime.Identity, msg realtime.LocationMsg) error {
	owner, err := m.ownerOf(ctx, msg.PochaID)
	if err == nil && owner != who.UserID {
		err = ErrNotOwner
	}
	if err != nil {
		return err
	}
	if !m.httpLimit.allow(msg.PochaID, m.now()) {
		return ErrRateLimited
	}
	return m.Location(ctx, who, msg)
}

// Announce tells the watchers that see the stall that it stopped (paused)
// or resumed taking orders: pocha.paused or pocha.resumed. A stall not on
// the map has no watchers to tell.
func (m *Service) Announce(ctx context.Context, pochaID uint64, paused bool) error {
	p, ok, err := m.Index.Get(ctx, pochaID)
	if err != nil || !ok {
		return err
	}
	typ := realtime.TypePochaResumed
	if paused {
		typ = realtime.TypePochaPaused
	}
	return m.publish(ctx, typ, p, "", []string{geo.Topic(p.Lat, p.Lng)})
}

// MaxNearbyRadiusM is the widest nearby query, in metres.
const MaxNearbyRadiusM = 5000

// CheckNearby adds to cs what is wrong with a nearby query's centre and
// radius (the REST API's field names): every way in asks the same question.
func CheckNearby(cs *check.Fields, lat, lng, radiusM float64) {
	cs.Add(lat < -90 || lat > 90, "lat", "must be -90..90")
	cs.Add(lng < -180 || lng > 180, "lng", "must be -180..180")
	cs.Add(radiusM < 1 || radiusM > MaxNearbyRadiusM, "radius_m", "must be 1..5000 metres")
}

// Package alerts tells customers when stalls open: when a favourite opens,
// and (if they ask) when any stall opens within a saved place's radius. At
// most one alert per stall per customer per window, none in quiet hours.
// Matching an opening costs in proportion to the places near the stall, not
// to all customers: saved places are indexed in memory by H3 cell.
//
// Across instances: the alert of an opening is computed once, by the
// instance the owner opened the stall through. Every instance loads the
// index from the database at start, keeps it current with its own changes
// at once and with other instances' every SyncInterval, and re-reads the
// matched places before alerting (a place removed elsewhere never alerts).
// The "alerted at" record is one database row per customer and stall,
// claimed conditionally, so two instances never both alert.
package alerts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/store"
)

// Bounds of saved places.
const (
	MaxPlaces   = 5    // saved places per customer
	MinRadiusM  = 100  // the smallest alert radius
	MaxRadiusM  = 3000 // the largest alert radius
	maxNameRune = 40
)

// Options tune the alerts; zero values are defaults.
type Options struct {
	Window       time.Duration // at most one alert per stall per customer in this; default 12 h
	SyncInterval time.Duration // how often other instances' saved places are read in; default 10 s
	Queue        int           // openings waiting to be matched before new ones are dropped; default 1024
}

func (o Options) withDefaults() Options {
	if o.Window <= 0 {
		o.Window = 12 * time.Hour
	}
	if o.SyncInterval <= 0 {
		o.SyncInterval = 10 * time.Second
	}
	if o.Queue <= 0 {
		o.Queue = 1024
	}
	return o
}

// Notes is what the alerts need of the notifier: a *notify.Notifier
// satisfies it.
type Notes interface {
	Send(ctx context.Context, ns ...store.Notification) error
	Settings(ctx context.Context, userID uint64) (notify.Settings, error)
}

// Deps are what the alerts need. Store and Notes are required; a nil Log
// discards; a nil Now is time.Now; a nil Registerer keeps the metrics
// private.
type Deps struct {
	Store      *store.Store
	Notes      Notes
	Log        *slog.Logger
	Registerer prometheus.Registerer
	Options    Options
	Now        func() time.Time
}

// Service is the opening alerts and the saved places they use.
type Service struct {
	store   *store.Store
	notes   Notes
	log     *slog.Logger
	opts    Options
	now     func() time.Time
	queue   chan Opening
	results *prometheus.CounterVec

	ix       *placeIndex
	loadMu   sync.Mutex
	loaded   bool
	syncedAt time.Time // the start of the last read of places (under loadMu)
}

// New builds the alerts service.
func New(d Deps) *Service {
	s := &Service{store: d.Store, notes: d.Notes, log: d.Log, opts: d.Options.withDefaults(), now: d.Now, ix: newPlaceIndex(),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "illuwa_open_alerts_total",
			Help: "Stall-opening alerts by result: sent, window (told within the window already), muted (preferences or quiet hours), dropped (queue full).",
		}, []string{"result"})}
	s.queue = make(chan Opening, s.opts.Queue)
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if d.Registerer != nil {
		d.Registerer.MustRegister(s.results)
	}
	return s
}

// Place is a saved place as the API shows and takes it.
type Place struct {
	ID           uint64  `json:"id,omitempty"`
	Name         string  `json:"name"`
	Lat          float64 `json:"lat"`
	Lng          float64 `json:"lng"`
	RadiusM      int     `json:"radius_m"`
	AlertAnyOpen bool    `json:"alert_any_open"`
}

func viewOf(p store.SavedPlace) Place {
	return Place{ID: p.ID, Name: p.Name, Lat: p.Lat, Lng: p.Lng, RadiusM: p.RadiusM, AlertAnyOpen: p.AlertAnyOpen}
}

// Places lists the user's saved places.
func (s *Service) Places(ctx context.Context, userID uint64) ([]Place, error) {
	ps, err := s.store.PlacesOf(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("alerts: places: %w", err)
	}
	out := make([]Place, len(ps))
	for i, p := range ps {
		out[i] = viewOf(p)
	}
	return out, nil
}

// SetPlaces replaces the user's saved places with ps (at most MaxPlaces,
// each named, at valid coordinates, with a radius of MinRadiusM to
// MaxRadiusM metres) and returns them as stored. Invalid fields are a
// *check.Error and change nothing.
func (s *Service) SetPlaces(ctx context.Context, userID uint64, ps []Place) ([]Place, error) {
	var cs check.Fields
	cs.Add(len(ps) > MaxPlaces, "places", "at most "+strconv.Itoa(MaxPlaces)+" places")
	rows := make([]store.SavedPlace, 0, len(ps))
	for i, p := range ps {
		f := "places[" + strconv.Itoa(i) + "]."
		cs.Name(f+"name", &p.Name, true, maxNameRune)
		cs.Add(math.IsNaN(p.Lat) || p.Lat < -90 || p.Lat > 90, f+"lat", "must be -90..90")
		cs.Add(math.IsNaN(p.Lng) || p.Lng < -180 || p.Lng > 180, f+"lng", "must be -180..180")
		cs.Add(p.RadiusM < MinRadiusM || p.RadiusM > MaxRadiusM, f+"radius_m", "must be 100..3000 metres")
		rows = append(rows, store.SavedPlace{Name: p.Name, Lat: p.Lat, Lng: p.Lng, RadiusM: p.RadiusM, AlertAnyOpen: p.AlertAnyOpen})
	}
	if err := cs.Err(); err != nil {
		return nil, err
	}
	if err := s.store.ReplacePlaces(ctx, userID, rows); err != nil {
		return nil, fmt.Errorf("alerts: set places: %w", err)
	}
	s.ix.setUser(userID, rows)
	out := make([]Place, len(rows))
	for i, p := range rows {
		out[i] = viewOf(p)
	}
	return out, nil
}

// Opening is a stall that opened.
type Opening struct {
	PochaID  uint64
	Name     string
	Lat, Lng float64
}

// StallOpened queues the opening for Run to alert its customers; it never
// blocks (past Options.Queue waiting openings, it drops and logs).
func (s *Service) StallOpened(ctx context.Context, pochaID uint64, name string, lat, lng float64) {
	select {
	case s.queue <- Opening{PochaID: pochaID, Name: name, Lat: lat, Lng: lng}:
	default:
		s.results.WithLabelValues("dropped").Inc()
		s.log.WarnContext(ctx, "opening alert dropped: queue full", slog.Uint64("pocha_id", pochaID))
	}
}

// Run loads the index, then alerts for queued openings and reads other
// instances' new places every SyncInterval, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.SyncInterval)
	defer t.Stop()
	if err := s.sync(ctx); err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "saved places not loaded; will retry", slog.String("error", err.Error()))
	}
	for {
		select {
		case <-ctx.Done():
			return
		case o := <-s.queue:
			if _, err := s.Alert(ctx, o); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "opening alerts failed", slog.Uint64("pocha_id", o.PochaID), slog.String("error", err.Error()))
			}
		case <-t.C:
			if err := s.sync(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "saved places sync", slog.String("error", err.Error()))
			}
		}
	}
}

// syncOverlap re-reads places saved this long before the last read, for
// rows another instance committed late.
const syncOverlap = time.Minute

// sync loads every alerting place the first time, and afterwards those
// saved since the last read (another instance's changes).
func (s *Service) sync(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	started := s.now()
	var since time.Time
	if s.loaded {
		since = s.syncedAt.Add(-syncOverlap)
	}
	err := s.store.AlertPlacesSince(ctx, since, 1000, func(ps []store.SavedPlace) error {
		for _, p := range ps {
			s.ix.add(p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("alerts: sync places: %w", err)
	}
	s.loaded, s.syncedAt = true, started
	return nil
}

// reason is why a customer hears of an opening.
type reason struct {
	favourite bool
	place     string
	distanceM float64
}

// Alert tells the stall's customers that it opened: those who keep it among
// their favourites, and those with a saved place (alerting on any opening)
// whose radius covers it. Customers told within the window, or whose
// settings mute openings now (preferences, quiet hours), are skipped. It
// returns how many were told.
func (s *Service) Alert(ctx context.Context, o Opening) (int, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return 0, err
	}
	p, err := s.store.PochaByID(ctx, o.PochaID)
	if err != nil {
		return 0, fmt.Errorf("alerts: %w", err)
	}
	who, err := s.recipients(ctx, o)
	if err != nil {
		return 0, err
	}
	delete(who, p.OwnerID)
	users := make([]uint64, 0, len(who))
	for u := range who {
		users = append(users, u)
	}
	slices.Sort(users)
	now := s.now()
	var ns []store.Notification
	for _, u := range users {
		set, err := s.notes.Settings(ctx, u)
		if err != nil {
			return len(ns), s.send(ctx, ns, err)
		}
		if !set.Wants(notify.KindFavourite, now) {
			s.results.WithLabelValues("muted").Inc()
			continue
		}
		won, err := s.store.ClaimOpenAlert(ctx, u, o.PochaID, now, s.opts.Window)
		if err != nil {
			return len(ns), s.send(ctx, ns, err)
		}
		if !won {
			s.results.WithLabelValues("window").Inc()
			continue
		}
		ns = append(ns, note(u, o, p.Name, who[u]))
	}
	return len(ns), s.send(ctx, ns, nil)
}

// send delivers the alerts claimed so far, then reports cause (the failure
// that stopped the loop), if any.
func (s *Service) send(ctx context.Context, ns []store.Notification, cause error) error {
	if err := s.notes.Send(ctx, ns...); err != nil {
		return fmt.Errorf("alerts: send: %w", errors.Join(err, cause))
	}
	s.results.WithLabelValues("sent").Add(float64(len(ns)))
	if cause != nil {
		return fmt.Errorf("alerts: %w", cause)
	}
	return nil
}

func (s *Service) ensureLoaded(ctx context.Context) error {
	s.loadMu.Lock()
	loaded := s.loaded
	s.loadMu.Unlock()
	if loaded {
		return nil
	}
	return s.sync(ctx)
}

// recipients are the customers to tell, with why: favourites first, then
// the saved places that cover the stall (re-read, so a place removed on
// another instance never alerts).
func (s *Service) recipients(ctx context.Context, o Opening) (map[uint64]reason, error) {
	favs, err := s.store.FavouriteUserIDs(ctx, o.PochaID)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	who := make(map[uint64]reason, len(favs))
	for _, u := range favs {
		who[u] = reason{favourite: true}
	}
	matches, _ := s.ix.match(o.Lat, o.Lng)
	if len(matches) == 0 {
		return who, nil
	}
	ids := make([]uint64, len(matches))
	for i, m := range matches {
		ids[i] = m.PlaceID
	}
	rows, err := s.store.PlacesByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	live := make(map[uint64]store.SavedPlace, len(rows))
	for _, r := range rows {
		live[r.ID] = r
	}
	for _, m := range matches {
		r, ok := live[m.PlaceID]
		if !ok || !r.AlertAnyOpen {
			s.ix.drop(m.UserID, m.PlaceID)
			continue
		}
		if cur, ok := who[m.UserID]; ok && (cur.favourite || cur.distanceM <= m.DistanceM) {
			continue
		}
		who[m.UserID] = reason{place: r.Name, distanceM: m.DistanceM}
	}
	return who, nil
}

// note is the alert to one customer, in Korean.
func note(userID uint64, o Opening, name string, why reason) store.Notification {
	if name == "" {
		name = o.Name
	}
	n := store.Notification{ReceiverID: userID, Data: store.NotificationData{PochaID: o.PochaID}}
	if why.favourite {
		n.Kind, n.Title, n.Body = store.NotifyFavouriteOpen, "단골 포차가 문을 열었어요", name+" · 지금 영업을 시작했어요"
		return n
	}
	n.Kind = store.NotifyPlaceOpen
	n.Title = why.place + " 근처에 포차가 문을 열었어요"
	n.Body = name + " · " + strconv.Itoa(int(math.Round(why.distanceM))) + "m 거리"
	return n
}

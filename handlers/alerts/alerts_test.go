package alerts_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/alerts"
	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// clock is a settable time.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// world is the alerts service over a real database and notifier, with an
// owner's stall at Jongno and customers around it.
type world struct {
	t     *testing.T
	st    *store.Store
	clk   *clock
	notes *notify.Notifier
	svc   *alerts.Service
	owner uint64
	pocha store.Pocha
}

var jongno = [2]float64{37.5704, 126.9920}

func newWorld(t *testing.T, st *store.Store) *world {
	t.Helper()
	ctx := context.Background()
	// 12:00 in Seoul.
	clk := &clock{t: time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC)}
	w := &world{t: t, st: st, clk: clk}
	w.owner = w.user("owner", store.RoleOwner)
	w.pocha = store.Pocha{OwnerID: w.owner, Name: "종로 포차"}
	if err := st.CreatePocha(ctx, &w.pocha); err != nil {
		t.Fatal(err)
	}
	w.notes = notify.New(st, nil, nil, nil).WithClock(clk.Now)
	w.svc = alerts.New(alerts.Deps{Store: st, Notes: w.notes, Now: clk.Now, Options: alerts.Options{Window: time.Hour}})
	return w
}

func (w *world) user(login, role string) uint64 {
	w.t.Helper()
	u := store.User{LoginID: login, Nickname: login, Role: role}
	if err := w.st.CreateUser(context.Background(), &u); err != nil {
		w.t.Fatal(err)
	}
	return u.ID
}

// open alerts for the stall opening at Jongno and returns how many were told.
func (w *world) open() int {
	w.t.Helper()
	n, err := w.svc.Alert(context.Background(), alerts.Opening{PochaID: w.pocha.ID, Name: w.pocha.Name, Lat: jongno[0], Lng: jongno[1]})
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *world) inbox(user uint64) []store.Notification {
	w.t.Helper()
	ns, err := w.st.ListNotifications(context.Background(), user, 0, 100)
	if err != nil {
		w.t.Fatal(err)
	}
	return ns
}

func TestOpeningAlerts(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newWorld(t, st)
		fan := w.user("fan", store.RoleCustomer)
		near := w.user("near", store.RoleCustomer)
		far := w.user("far", store.RoleCustomer)
		silent := w.user("silent", store.RoleCustomer) // a place near, but no alerts on any opening
		if err := st.AddFavourite(ctx, fan, w.pocha.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.AddFavourite(ctx, w.owner, w.pocha.ID); err != nil {
			t.Fatal(err)
		}
		set := func(u uint64, ps ...alerts.Place) {
			t.Helper()
			if _, err := w.svc.SetPlaces(ctx, u, ps); err != nil {
				t.Fatal(err)
			}
		}
		// About 780 m south of the stall, with a 1 km radius; 2.2 km with 2 km.
		set(near, alerts.Place{Name: "회사", Lat: 37.5634, Lng: 126.9920, RadiusM: 1000, AlertAnyOpen: true})
		set(far, alerts.Place{Name: "집", Lat: 37.5504, Lng: 126.9920, RadiusM: 2000, AlertAnyOpen: true})
		set(silent, alerts.Place{Name: "집", Lat: 37.5704, Lng: 126.9921, RadiusM: 500})

		if n := w.open(); n != 2 {
			t.Fatalf("told %d, want 2 (the fan and the office nearby)", n)
		}
		fn := w.inbox(fan)
		if len(fn) != 1 || fn[0].Kind != store.NotifyFavouriteOpen || fn[0].Data.PochaID != w.pocha.ID || fn[0].Title != "단골 포차가 문을 열었어요" {
			t.Fatalf("fan's inbox %+v", fn)
		}
		nn := w.inbox(near)
		if len(nn) != 1 || nn[0].Kind != store.NotifyPlaceOpen || nn[0].Title != "회사 근처에 포차가 문을 열었어요" || nn[0].Body != "종로 포차 · 778m 거리" {
			t.Fatalf("near inbox %+v", nn)
		}
		for _, u := range []uint64{far, silent, w.owner} {
			if got := w.inbox(u); len(got) != 0 {
				t.Fatalf("user %d told: %+v", u, got)
			}
		}

		// Opening again within the window tells nobody; after it, again.
		w.clk.t = w.clk.t.Add(30 * time.Minute)
		if n := w.open(); n != 0 {
			t.Fatalf("within the window: told %d", n)
		}
		w.clk.t = w.clk.t.Add(31 * time.Minute)
		if n := w.open(); n != 2 {
			t.Fatalf("after the window: told %d, want 2", n)
		}

		// Quiet hours (Korea time) mute openings entirely, and do not use up
		// the window; favourite openings turned off mute them too.
		w.clk.t = w.clk.t.Add(2 * time.Hour) // 15:01 in Seoul
		if _, err := w.notes.SetSettings(ctx, fan, quiet("14:00", "16:00")); err != nil {
			t.Fatal(err)
		}
		off := defaults()
		off.Kinds.Favourite = store.Channels{}
		if _, err := w.notes.SetSettings(ctx, near, off); err != nil {
			t.Fatal(err)
		}
		if n := w.open(); n != 0 {
			t.Fatalf("in quiet hours or muted: told %d", n)
		}
		if _, err := w.notes.SetSettings(ctx, fan, quiet("22:00", "07:00")); err != nil {
			t.Fatal(err)
		}
		if n := w.open(); n != 1 || len(w.inbox(fan)) != 3 {
			t.Fatalf("after quiet hours: told %d, fan has %d", n, len(w.inbox(fan)))
		}

		// A place removed is never matched again; bad places change nothing.
		w.clk.t = w.clk.t.Add(2 * time.Hour)
		if _, err := w.notes.SetSettings(ctx, near, defaults()); err != nil {
			t.Fatal(err)
		}
		set(near)
		if n := w.open(); n != 1 {
			t.Fatalf("after the place was removed: told %d, want 1 (the fan)", n)
		}
	})
}

func defaults() notify.Settings {
	ns := store.DefaultNotificationSettings(0)
	return notify.Settings{Kinds: ns.Channels}
}

func quiet(start, end string) notify.Settings {
	s := defaults()
	s.QuietHours = &notify.QuietHours{Start: start, End: end}
	return s
}

// Two services on one database (two instances) racing on the same opening
// tell each customer once.
func TestOneAlertAcrossInstances(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newWorld(t, st)
		for _, login := range []string{"a", "b", "c", "d"} {
			if err := st.AddFavourite(ctx, w.user(login, store.RoleCustomer), w.pocha.ID); err != nil {
				t.Fatal(err)
			}
		}
		other := alerts.New(alerts.Deps{Store: st, Notes: w.notes, Now: w.clk.Now, Options: alerts.Options{Window: time.Hour}})
		o := alerts.Opening{PochaID: w.pocha.ID, Name: w.pocha.Name, Lat: jongno[0], Lng: jongno[1]}
		got := make(chan int, 2)
		for _, s := range []*alerts.Service{w.svc, other} {
			go func() {
				n, err := s.Alert(ctx, o)
				if err != nil {
					t.Error(err)
				}
				got <- n
			}()
		}
		if total := <-got + <-got; total != 4 {
			t.Fatalf("told %d in all, want 4", total)
		}
	})
}

// Places are checked: a name, real coordinates, a radius of 100 to 3000 m,
// at most five; a refused list changes nothing.
func TestSetPlacesChecks(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, store.SQLite)
	w := newWorld(t, st)
	u := w.user("c", store.RoleCustomer)
	ok := alerts.Place{Name: "집", Lat: 37.5, Lng: 127, RadiusM: 500}
	with := func(f func(p *alerts.Place)) []alerts.Place { p := ok; f(&p); return []alerts.Place{p} }
	tests := []struct {
		name  string
		ps    []alerts.Place
		field string
	}{
		{"no_name", with(func(p *alerts.Place) { p.Name = " " }), "places[0].name"},
		{"lat", with(func(p *alerts.Place) { p.Lat = 91 }), "places[0].lat"},
		{"lng", with(func(p *alerts.Place) { p.Lng = -181 }), "places[0].lng"},
		{"small_radius", with(func(p *alerts.Place) { p.RadiusM = 99 }), "places[0].radius_m"},
		{"large_radius", with(func(p *alerts.Place) { p.RadiusM = 3001 }), "places[0].radius_m"},
		{"too_many", []alerts.Place{ok, ok, ok, ok, ok, ok}, "places"},
	}
	if _, err := w.svc.SetPlaces(context.Background(), u, []alerts.Place{ok}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.svc.SetPlaces(context.Background(), u, tc.ps)
			var ce *check.Error
			if !errors.As(err, &ce) || len(ce.Fields) != 1 || ce.Fields[0].Field != tc.field {
				t.Fatalf("error %v, want one on %s", err, tc.field)
			}
			if ps, _ := w.svc.Places(context.Background(), u); len(ps) != 1 || ps[0].Name != "집" {
				t.Fatalf("places changed: %+v", ps)
			}
		})
	}
}

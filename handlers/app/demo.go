package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// DemoPassword is the password of every demo account (printed in the README).
const DemoPassword = "illuwa-demo"

type demoSpot struct {
	area     string
	lat, lng float64
}

// Places in Seoul where pochas gather.
var demoSpots = []demoSpot{
	{"종로3가", 37.5705, 126.9920}, {"을지로3가", 37.5663, 126.9910}, {"광장시장", 37.5700, 126.9997},
	{"홍대입구", 37.5572, 126.9245}, {"신촌", 37.5551, 126.9368}, {"강남역", 37.4979, 127.0276},
	{"신림", 37.4842, 126.9297}, {"건대입구", 37.5404, 127.0692}, {"이태원", 37.5345, 126.9946},
	{"영등포", 37.5157, 126.9076}, {"동대문", 37.5712, 127.0095}, {"노량진", 37.5133, 126.9424},
}

// demoKinds are the demo stalls' kinds, with their category codes.
var demoKinds = []struct{ name, category string }{
	{"포장마차", "other"}, {"실내포차", "silnae_pocha"}, {"떡볶이", "tteokbokki"}, {"꼬치집", "kkochi"},
	{"붕어빵", "bungeoppang"}, {"오뎅바", "eomuk"},
}

var demoMenu = []struct {
	name  string
	price int64
}{
	{"떡볶이", 4000}, {"순대", 5000}, {"어묵탕", 8000}, {"닭꼬치", 3500}, {"오뎅", 1000},
	{"튀김 모둠", 6000}, {"계란말이", 9000}, {"소주", 5000}, {"붕어빵 3개", 2000}, {"호떡", 1500},
}

// startDemo makes (once) the demo accounts and stalls, opens every demo stall
// at its spot, and keeps `movers` of them moving until ctx ends.
func startDemo(ctx context.Context, st *store.Store, live *livemap.Service, movers int, log *slog.Logger) error {
	owners := make([]store.User, 0, 3)
	for i := 1; i <= 3; i++ {
		u, err := ensureUser(ctx, st, fmt.Sprintf("demo-owner-%d", i), store.RoleOwner)
		if err != nil {
			return err
		}
		owners = append(owners, u)
	}
	if _, err := ensureUser(ctx, st, "demo-customer", store.RoleCustomer); err != nil {
		return err
	}
	var stalls []store.Pocha
	for i, o := range owners {
		mine, err := st.PochasByOwner(ctx, o.ID)
		if err != nil {
			return err
		}
		if len(mine) == 0 {
			if mine, err = seedStalls(ctx, st, o, i, len(owners)); err != nil {
				return err
			}
		}
		stalls = append(stalls, mine...)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	walkers := make([]*walker, 0, len(stalls))
	for i, p := range stalls {
		spot := spotOf(p.Name)
		// Scatter around the spot, up to ~500 m.
		lat := spot.lat + (rng.Float64()-0.5)*0.009
		lng := spot.lng + (rng.Float64()-0.5)*0.011
		if err := live.Open(ctx, p, lat, lng); err != nil {
			return err
		}
		if i < movers {
			walkers = append(walkers, &walker{pocha: p, home: [2]float64{lat, lng}, lat: lat, lng: lng,
				heading: rng.Float64() * 2 * math.Pi, speed: 3 + rng.Float64()*5})
		}
	}
	log.Info("demo ready", "stalls", len(stalls), "moving", len(walkers),
		"owners", "demo-owner-1..3", "customer", "demo-customer")
	go moveDemo(ctx, live, walkers, rng, log)
	return nil
}

// spotOf finds the place a demo stall is named after.
func spotOf(name string) demoSpot {
	for _, s := range demoSpots {
		if strings.HasPrefix(name, s.area+" ") {
			return s
		}
	}
	return demoSpots[0]
}

func ensureUser(ctx context.Context, st *store.Store, login, role string) (store.User, error) {
	u, err := st.UserByLoginID(ctx, login)
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	nu := accounts.NewUser{LoginID: login, Password: DemoPassword, Nickname: login,
		Email: login + "@demo.illuwa.kr", Phone: "010-0000-0000", Role: role}
	return accounts.New(accounts.Deps{Store: st}).Create(ctx, nu)
}

func seedStalls(ctx context.Context, st *store.Store, owner store.User, nth, owners int) ([]store.Pocha, error) {
	var out []store.Pocha
	hours := store.Hours{}
	for _, d := range store.Weekdays {
		hours[d] = []store.Span{{Open: "18:00", Close: "02:00"}}
	}
	for i := nth; i < len(demoSpots)*2; i += owners {
		spot := demoSpots[i%len(demoSpots)]
		kind := demoKinds[i%len(demoKinds)]
		p := store.Pocha{OwnerID: owner.ID, Name: fmt.Sprintf("%s %s %d호", spot.area, kind.name, i/len(demoSpots)+1),
			Description: spot.area + "의 " + kind.name + ". 데모 데이터입니다.", Notice: "오늘도 영업합니다!", Hours: hours,
			Category: kind.category}
		if err := st.CreatePocha(ctx, &p); err != nil {
			return nil, err
		}
		for j := 0; j < 5; j++ {
			m := demoMenu[(i+j*3)%len(demoMenu)]
			it := store.MenuItem{PochaID: p.ID, Name: m.name, Price: m.price, Position: j}
			if err := st.CreateMenuItem(ctx, &it); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// walker is one moving demo stall: a slow, wandering walk on a leash around home.
type walker struct {
	pocha    store.Pocha
	home     [2]float64
	lat, lng float64
	heading  float64 // radians, 0 = north
	speed    float64 // metres per second
}

func moveDemo(ctx context.Context, live *livemap.Service, ws []*walker, rng *rand.Rand, log *slog.Logger) {
	const tick = 2 * time.Second
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, w := range ws {
				w.step(tick.Seconds(), rng)
				err := live.Location(ctx, realtime.Identity{UserID: w.pocha.OwnerID, Role: store.RoleOwner},
					realtime.LocationMsg{PochaID: w.pocha.ID, Lat: w.lat, Lng: w.lng, At: now.UTC()})
				if err != nil && ctx.Err() == nil {
					log.Debug("demo move refused", "pocha_id", w.pocha.ID, "error", err.Error())
				}
			}
		}
	}
}

func (w *walker) step(dt float64, rng *rand.Rand) {
	const mPerDegLat = 111_320.0
	mPerDegLng := mPerDegLat * math.Cos(w.lat*math.Pi/180)
	// Turn a little, and back toward home when more than ~400 m away.
	w.heading += (rng.Float64() - 0.5) * 0.6
	dy := (w.home[0] - w.lat) * mPerDegLat
	dx := (w.home[1] - w.lng) * mPerDegLng
	if math.Hypot(dx, dy) > 400 {
		w.heading = math.Atan2(dx, dy)
	}
	d := w.speed * dt
	w.lat += d * math.Cos(w.heading) / mPerDegLat
	w.lng += d * math.Sin(w.heading) / mPerDegLng
}

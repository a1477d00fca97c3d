package handlers

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// TestNearbyJSONMatchesEncodingJSON checks that the hand-written answer of
// GET /pochas/nearby is byte for byte what encoding/json makes of
// nearbyResponse, for names that need escaping and numbers of every size,
// both with items made for the answer and with items kept from earlier
// answers: a few stall IDs come back with the same position, or with one
// that differs only in how it is written (0 and -0, the same instant in
// another zone), which must not reuse the old item, and their cards expire
// now and then, which must not either.
func TestNearbyJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	names := []string{"", "떡볶이 포차", `quote " and \ back`, "<b>&amp;</b>", "x<y", "x>y", "x&y", "tab\tnl\ncr\rbs\bff\f\x01\x1f\x7f",
		"line\u2028para\u2029", "bad utf8 \xff\xfe end", "bad utf8 \xe2\x80", "emoji 🍢", "a|b", "\u2027\u202a"}
	negZero := math.Copysign(0, -1)
	floats := []float64{0, negZero, 1, -1, 37.5665, 126.978, 1e-7, -3.5e-9, 1e21, 123456789012345680000, 0.1, 1000, 999.95, 5e-324}
	dists := []float64{0, 0.04, 0.05, 0.15, 0.25, 999.95, 1234.5678, 1e14 + 0.3, 2e15, 1e300, 5e-324}
	kst := time.FixedZone("KST", 9*60*60)
	rng := rand.New(rand.NewPCG(5, 6))
	at := time.Date(2026, 5, 1, 19, 30, 0, 123456000, time.UTC)
	var kept nearbyHeads
	last := map[uint64]geo.Position{}
	src := &fakeCards{now: at, cards: map[uint64]*pochas.CachedCard{}}
	for round := range 400 {
		src.now = src.now.Add(time.Minute)
		// open_by_hours at a time that goes back and forth over the minutes
		// where a card's hours open and close (the cards remember a minute's).
		at := at.Add(time.Duration(rng.IntN(600)-300) * time.Second)
		n := rng.IntN(6)
		if round == 0 {
			n = 0
		}
		hits := make([]geo.Hit, n)
		want := nearbyResponse{Lat: floats[rng.IntN(len(floats))], Lng: floats[rng.IntN(len(floats))],
			RadiusM: floats[rng.IntN(len(floats))], Items: make([]nearbyItem, n)}
		hours := make([]store.Hours, n) // of each item's card
		for i := range hits {
			// Few stalls, each met again as it was or changed in one field,
			// sometimes only in how the value is written.
			id := uint64(rng.IntN(8))
			p, seen := last[id]
			if !seen {
				p = geo.Position{ID: id, Name: names[rng.IntN(len(names))], Lat: floats[rng.IntN(len(floats))],
					Lng: floats[rng.IntN(len(floats))], At: at.Add(time.Duration(rng.IntN(3600)) * time.Second)}
			}
			switch rng.IntN(10) {
			case 0:
				p.Lat = negZero
			case 1:
				p.Lat = 0
			case 2:
				p.Lng = -p.Lng
			case 3:
				p.At = p.At.In(kst) // the same instant, written +09:00
			case 4:
				p.At = p.At.UTC()
			case 5:
				p.Name = names[rng.IntN(len(names))]
			case 6:
				p.Lat = rng.NormFloat64() * 90
			case 7:
				p.At = p.At.Add(time.Duration(rng.IntN(2000)) * time.Millisecond)
			}
			last[id] = p
			h := geo.Hit{Position: p, DistanceM: rng.Float64() * 5000}
			if rng.IntN(3) == 0 {
				h.DistanceM = dists[rng.IntN(len(dists))]
			}
			hits[i] = h
			if cc := src.cards[id]; cc != nil && cc.Current(src.now) {
				want.Items[i] = nearbyItemOf(h, &cc.Card, at)
				hours[i] = cc.Hours
				continue
			}
			c := pochas.Card{Category: names[rng.IntN(len(names))], ReviewCount: rng.Int64N(1000),
				Rating: float64(rng.IntN(41)+10) / 10}
			switch rng.IntN(4) {
			case 1: // open at this hour every day
				c.Hours = store.Hours{"mon": {{Open: "00:00", Close: "24:00"}}, "tue": {{Open: "00:00", Close: "24:00"}},
					"wed": {{Open: "00:00", Close: "24:00"}}, "thu": {{Open: "00:00", Close: "24:00"}},
					"fri": {{Open: "00:00", Close: "24:00"}}, "sat": {{Open: "00:00", Close: "24:00"}},
					"sun": {{Open: "00:00", Close: "24:00"}}}
			case 2: // a day, but not this one
				c.Hours = store.Hours{"mon": {{Open: "10:00", Close: "11:00"}}}
			case 3: // opening and closing within minutes of at (04:30 in Korea, a Saturday)
				c.Hours = store.Hours{"sat": {{Open: "04:28", Close: "04:29"}, {Open: "04:30", Close: "04:32"}}, "fri": {{Open: "23:00", Close: "04:27"}}}
			}
			// Kept for 1 to 3 rounds.
			src.cards[id] = pochas.NewCachedCard(c, src.now.Add(time.Duration(1+rng.IntN(3))*time.Minute))
			want.Items[i] = nearbyItemOf(h, &c, at)
			hours[i] = c.Hours
		}
		js, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		fresh := make([]*nearbyHead, n)
		for i := range hits {
			fresh[i] = newNearbyHead(&hits[i].Position, src.cards[hits[i].ID])
		}
		if got := appendNearbyJSON(nil, want.Lat, want.Lng, want.RadiusM, hits, fresh, at); string(got) != string(js) {
			t.Fatalf("round %d, new items:\n got %s\nwant %s", round, got, js)
		}
		src.hits += len(hits)
		heads := kept.get(context.Background(), nil, hits, src)
		for i := range heads {
			if heads[i].card != src.cards[hits[i].ID] {
				t.Fatalf("round %d: item %d made with another card than the cache's", round, i)
			}
		}
		if got := appendNearbyJSON(nil, want.Lat, want.Lng, want.RadiusM, hits, heads, at); string(got) != string(js) {
			t.Fatalf("round %d, kept items:\n got %s\nwant %s", round, got, js)
		}
		// The same items later and earlier, in other minutes and the same.
		for _, d := range []time.Duration{59 * time.Second, -61 * time.Second, 2*time.Minute + time.Nanosecond, -time.Nanosecond, 0} {
			at := at.Add(d)
			for i := range want.Items {
				want.Items[i].OpenByHours = nil
				if open, known := pochas.OpenByHours(hours[i], at); known {
					want.Items[i].OpenByHours = &open
				}
			}
			js, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			if got := appendNearbyJSON(nil, want.Lat, want.Lng, want.RadiusM, hits, heads, at); string(got) != string(js) {
				t.Fatalf("round %d, kept items %v later:\n got %s\nwant %s", round, d, got, js)
			}
		}
	}
	if len(kept.m) == 0 || len(kept.m) > 8 {
		t.Fatalf("%d items kept for 8 stalls", len(kept.m))
	}
	if src.asked == 0 || src.asked >= src.hits {
		t.Fatalf("cards asked for %d of %d hits: the kept items were never or always remade", src.asked, src.hits)
	}
	if src.kept == 0 {
		t.Fatal("the kept items' cards were never asked about through the cache (CurrentCard)")
	}
}

// nearbyItemOf is the item encoding/json is given for h with card c at t.
func nearbyItemOf(h geo.Hit, c *pochas.Card, at time.Time) nearbyItem {
	open, known := pochas.OpenByHours(c.Hours, at)
	var obh *bool
	if known {
		obh = &open
	}
	return nearbyItem{ID: h.ID, Name: h.Name, Lat: h.Lat, Lng: h.Lng, At: h.At, DistanceM: math.Round(h.DistanceM*10) / 10,
		Category: c.Category, Rating: c.Rating, ReviewCount: c.ReviewCount, OpenByHours: obh}
}

// fakeCards is a cards' cache whose clock the test sets, holding the cards
// the test made.
type fakeCards struct {
	now   time.Time
	cards map[uint64]*pochas.CachedCard
	asked int // cards given
	hits  int // hits seen by the caller, counted in Now
	kept  int // kept cards asked about (CurrentCard)
}

func (f *fakeCards) Now() time.Time { return f.now }

// CardEpoch is constant: the fake's cards expire, it never drops one.
func (f *fakeCards) CardEpoch() uint64 { return 0 }

func (f *fakeCards) CurrentCard(_ uint64, c *pochas.CachedCard, now time.Time) bool {
	f.kept++
	return c.Current(now)
}

func (f *fakeCards) AppendCachedCards(_ context.Context, dst []*pochas.CachedCard, ids []uint64) []*pochas.CachedCard {
	for _, id := range ids {
		dst = append(dst, f.cards[id])
	}
	f.asked += len(ids)
	return dst
}

// TestNearbyAnswerPinned: through the whole server, the answer of GET
// /pochas/nearby is byte for byte what encoding/json makes of
// nearbyResponse built from the live map's hits and the stalls' records:
// the first time (heads and cards made), again (both kept), and after a
// stall moved and was renamed on the map and another's category changed
// (kept ones replaced).
func TestNearbyAnswerPinned(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, store.SQLite, withLive)
	ctx := context.Background()
	owner, _ := api.signupLogin("pinned-owner", "owner")
	// A day two days away in Korea: closed now, whatever the hour.
	far := store.Weekdays[(int(time.Now().In(time.FixedZone("KST", 9*60*60)).Weekday())+6+2)%7]
	names := []string{"을지로 포차", `"따옴표" 포차`, "<b>&</b> 포차", "emoji 🍢", "plain"}
	const lat, lng = 37.5665, 126.978
	rng := rand.New(rand.NewPCG(9, 10))
	var ids []uint64
	for i := range 12 {
		id, _ := api.createPocha(owner, names[i%len(names)]+" "+strconv.Itoa(i), 3000)
		patch := map[string]any{"category": []string{"", "tteokbokki", "hotteok"}[i%3]}
		switch i % 3 {
		case 1:
			patch["hours"] = allWeek("00:00", "24:00")
		case 2:
			patch["hours"] = map[string]any{far: []map[string]string{{"open": "10:00", "close": "11:00"}}}
		}
		path := "/api/v1/pochas/" + itoa(id)
		api.do("PATCH", path, owner, patch).mustStatus(t, http.StatusOK)
		api.do("POST", path+"/open", owner, map[string]any{"lat": lat + (rng.Float64()-0.5)*0.01,
			"lng": lng + (rng.Float64()-0.5)*0.01}).mustStatus(t, http.StatusOK)
		ids = append(ids, id)
	}
	const query = "/api/v1/pochas/nearby?lat=37.5665&lng=126.978&radius_m=1500"
	expect := func() string {
		t.Helper()
		hits, err := api.srv.live.Nearby(ctx, lat, lng, 1500, defaultNearbyLimit)
		if err != nil {
			t.Fatal(err)
		}
		want := nearbyResponse{Lat: lat, Lng: lng, RadiusM: 1500, Items: []nearbyItem{}}
		for _, h := range hits {
			p, err := api.store.PochaByID(ctx, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			it := nearbyItem{ID: h.ID, Name: h.Name, Lat: h.Lat, Lng: h.Lng, At: h.At, DistanceM: math.Round(h.DistanceM*10) / 10,
				Category: p.Category}
			if open, known := pochas.OpenByHours(p.Hours, time.Now()); known {
				it.OpenByHours = &open
			}
			want.Items = append(want.Items, it)
		}
		if len(want.Items) != len(ids) {
			t.Fatalf("%d stalls on the map, want %d", len(want.Items), len(ids))
		}
		js, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		return string(js)
	}
	check := func(when string) {
		t.Helper()
		want := expect()
		if got := api.do("GET", query, "", nil).mustStatus(t, http.StatusOK).Body; string(got) != want {
			t.Fatalf("%s:\n got %s\nwant %s", when, got, want)
		}
	}
	check("first answer")
	check("second answer")
	moved := geo.Position{ID: ids[0], Name: "새 이름 <포차>", Lat: lat + 0.001, Lng: lng - 0.002, At: time.Now().UTC().Truncate(time.Microsecond)}
	if _, _, err := api.srv.live.Index.Upsert(ctx, moved); err != nil {
		t.Fatal(err)
	}
	api.do("PATCH", "/api/v1/pochas/"+itoa(ids[1]), owner, map[string]any{"category": "eomuk"}).mustStatus(t, http.StatusOK)
	check("after a move, a new name and a new category")
	if body := string(api.do("GET", query, "", nil).Body); !strings.Contains(body, `"name":"새 이름 \u003c포차\u003e"`) ||
		!strings.Contains(body, `"category":"eomuk"`) {
		t.Fatalf("the changes are not in the answer: %s", body)
	}
}

// TestNearbyKeptCardsRefreshed: the cards of items kept by GET
// /pochas/nearby are refreshed by the cards' cache though no answer looks
// them up (CurrentCard): one unchanged keeps its item past the TTL it was
// read with, one edited in the store (as on another instance) gets a new
// item with the edit, neither read by the answers.
func TestNearbyKeptCardsRefreshed(t *testing.T) {
	t.Parallel()
	f := newKeptFixture(t)
	st, ctx, hits, owner, svc, at, reads := f.st, f.ctx, f.hits, f.owner, f.svc, f.at, &f.reads
	var kept nearbyHeads
	first := kept.get(ctx, nil, hits, svc)
	category := "hotteok"
	if _, err := st.UpdatePocha(ctx, hits[1].ID, owner.ID, store.PochaPatch{Category: &category}); err != nil {
		t.Fatal(err)
	}

	at(25 * time.Second) // past the refresh point
	again := kept.get(ctx, nil, hits, svc)
	if again[0] != first[0] || again[1] != first[1] {
		t.Fatal("items remade before their cards expired")
	}
	deadline := time.Now().Add(10 * time.Second)
	for st := svc.CardRefreshStats(); st.Kept+st.Replaced < 2; st = svc.CardRefreshStats() {
		if time.Now().After(deadline) {
			t.Fatalf("the kept items' cards were not refreshed: %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	readsBefore := reads.Load()

	at(40 * time.Second) // past the first read's TTL
	later := kept.get(ctx, nil, hits, svc)
	if later[0] != first[0] {
		t.Fatal("the item of an unchanged card was remade after its refresh")
	}
	if later[1] == first[1] || later[1].card.Category != category {
		t.Fatalf("the item of an edited stall after its card's refresh: %s", later[1].js)
	}
	if reads.Load() != readsBefore {
		t.Fatal("the answer read the cards the refresh had read")
	}
	if st := svc.CardRefreshStats(); st.Kept != 1 || st.Replaced != 1 {
		t.Fatalf("refresh of an unchanged and an edited card: %+v", st)
	}
}

// keptFixture is a stalls service on SQLite with a clock the test moves and
// two stalls on the map (hits), counting the cards' reads of the pochas.
type keptFixture struct {
	st    *store.Store
	ctx   context.Context
	owner store.User
	hits  []geo.Hit
	svc   *pochas.Service
	at    func(time.Duration) // sets the clock to this after the start
	reads atomic.Int64
}

func newKeptFixture(t *testing.T) *keptFixture {
	t.Helper()
	f := &keptFixture{st: storetest.Open(t, store.SQLite), ctx: context.Background()}
	f.owner = store.User{LoginID: "kept-owner", PasswordHash: "x", Nickname: "사장님", Email: "kept@example.com",
		Phone: "01012345678", Role: store.RoleOwner}
	if err := f.st.CreateUser(f.ctx, &f.owner); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"그대로 포차", "바뀐 포차"} {
		p := store.Pocha{OwnerID: f.owner.ID, Name: name, Category: "eomuk"}
		if err := f.st.CreatePocha(f.ctx, &p); err != nil {
			t.Fatal(err)
		}
		f.hits = append(f.hits, geo.Hit{Position: geo.Position{ID: p.ID, Name: name, Lat: 37.5 + float64(i)/1000, Lng: 127,
			At: time.Date(2026, 5, 1, 19, 0, 0, 0, time.UTC)}, DistanceM: 10})
	}
	start := time.Date(2026, 5, 1, 19, 30, 0, 0, time.UTC)
	var clock atomic.Int64
	clock.Store(start.UnixNano())
	f.at = func(d time.Duration) { clock.Store(start.Add(d).UnixNano()) }
	traced := f.st.Traced(func(sql string) {
		if strings.Contains(sql, "FROM `pochas` WHERE id IN") {
			f.reads.Add(1)
		}
	})
	f.svc = pochas.New(pochas.Deps{Store: traced, Now: func() time.Time { return time.Unix(0, clock.Load()).UTC() }})
	return f
}

// countingCards is a cardSource counting the kept cards asked about.
type countingCards struct {
	*pochas.Service
	asked int
}

func (c *countingCards) CurrentCard(id uint64, card *pochas.CachedCard, now time.Time) bool {
	c.asked++
	return c.Service.CurrentCard(id, card, now)
}

// TestNearbyKeptItemsKnowTheirCards: before its card's refresh point a kept
// item is used without asking the cards' cache about its card (the cards'
// epoch has not moved); once the cache lets go of any card (an edit through
// this instance, Forget), every kept item asks again, and the one whose card
// went is remade at once, with the edit.
func TestNearbyKeptItemsKnowTheirCards(t *testing.T) {
	t.Parallel()
	f := newKeptFixture(t)
	src := &countingCards{Service: f.svc}
	var kept nearbyHeads
	first := kept.get(f.ctx, nil, f.hits, src)
	f.at(10 * time.Second)
	again := kept.get(f.ctx, nil, f.hits, src)
	if again[0] != first[0] || again[1] != first[1] {
		t.Fatal("items remade while their cards are current")
	}
	if src.asked != 0 {
		t.Fatalf("kept cards asked about %d times before their refresh point", src.asked)
	}
	category := "hotteok"
	if _, err := f.st.UpdatePocha(f.ctx, f.hits[1].ID, f.owner.ID, store.PochaPatch{Category: &category}); err != nil {
		t.Fatal(err)
	}
	f.svc.Forget(f.hits[1].ID) // as the edit through this instance does
	later := kept.get(f.ctx, nil, f.hits, src)
	if later[1] == first[1] || later[1].card.Category != category {
		t.Fatalf("the item of a stall edited through this instance, at once: %s", later[1].js)
	}
	if later[0] != first[0] || src.asked != 2 {
		t.Fatalf("after a card was let go of: unchanged item kept %v, kept cards asked about %d times, want 2",
			later[0] == first[0], src.asked)
	}
	kept.get(f.ctx, nil, f.hits, src)
	if src.asked != 2 {
		t.Fatalf("kept cards asked about again (%d) with the epoch unmoved", src.asked)
	}
	f.at(21 * time.Second) // past the first card's refresh point
	kept.get(f.ctx, nil, f.hits, src)
	if src.asked != 3 {
		t.Fatalf("kept cards asked about %d times past a refresh point, want 3 (one card due)", src.asked)
	}
	deadline := time.Now().Add(10 * time.Second)
	for f.svc.CardRefreshStats().Kept < 1 { // the refresh that asking queued, done before the store closes
		if time.Now().After(deadline) {
			t.Fatalf("the due card was not refreshed: %+v", f.svc.CardRefreshStats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store/storetest"
)

func allWeek(open, close string) map[string]any {
	h := map[string]any{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		h[d] = []map[string]string{{"open": open, "close": close}}
	}
	return h
}

// TestSearchAndCards: stalls carry a category; search finds them by name, a
// menu item's name and category, nearest open first; nearby answers and
// stall views carry the category, the stars and open-by-hours.
func TestSearchAndCards(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			r := newReviewAPI(t, kind, withLive)
			ownerPath, rivalPath := r.pochaPath, r.rivalPath
			r.do("PATCH", ownerPath, r.owner, map[string]any{"category": "tteokbokki", "hours": allWeek("00:00", "24:00")}).
				mustStatus(t, http.StatusOK)
			r.do("PATCH", rivalPath, r.rival, map[string]any{"name": "옆집 호떡", "category": "hotteok"}).mustStatus(t, http.StatusOK)
			r.review(r.alice, r.aliceU, 5, true)
			r.review(r.bob, r.bobU, 2, true)
			r.review(r.alice, r.aliceU, 1, false) // private: not in the stars

			// The stall page has it all.
			var v pochas.View
			r.do("GET", ownerPath, "", nil).mustStatus(t, http.StatusOK).decode(t, &v)
			if v.Category != "tteokbokki" || v.Rating != 3.5 || v.ReviewCount != 2 || v.OpenByHours == nil || !*v.OpenByHours {
				t.Fatalf("view: category %q rating %v count %d open_by_hours %v", v.Category, v.Rating, v.ReviewCount, v.OpenByHours)
			}

			// Both open, the rival nearer the searcher.
			r.do("POST", ownerPath+"/open", r.owner, map[string]any{"lat": 37.5704, "lng": 126.9921}).mustStatus(t, http.StatusOK)
			r.do("POST", rivalPath+"/open", r.rival, map[string]any{"lat": 37.5720, "lng": 126.9940}).mustStatus(t, http.StatusOK)

			var near nearbyResponse
			r.do("GET", "/api/v1/pochas/nearby?lat=37.5704&lng=126.9921&radius_m=1000", "", nil).mustStatus(t, http.StatusOK).decode(t, &near)
			if len(near.Items) != 2 || near.Items[0].ID != r.pocha {
				t.Fatalf("nearby: %+v", near.Items)
			}
			if it := near.Items[0]; it.Category != "tteokbokki" || it.Rating != 3.5 || it.ReviewCount != 2 || it.OpenByHours == nil || !*it.OpenByHours {
				t.Fatalf("nearby stall: %+v", it)
			}
			if it := near.Items[1]; it.Category != "hotteok" || it.Rating != 0 || it.ReviewCount != 0 || it.OpenByHours != nil {
				t.Fatalf("nearby rival: %+v", it)
			}

			search := func(query string) []pochas.Found {
				t.Helper()
				var out searchResponse
				r.do("GET", "/api/v1/pochas/search?"+query, "", nil).mustStatus(t, http.StatusOK).decode(t, &out)
				return out.Items
			}
			ids := func(fs []pochas.Found) []uint64 {
				var out []uint64
				for _, f := range fs {
					out = append(out, f.ID)
				}
				return out
			}
			// Both sell 떡볶이 (a menu item); near the rival, the rival first.
			got := search("q=" + url.QueryEscape("떡볶이") + "&lat=37.5720&lng=126.9940")
			if len(got) != 2 || got[0].ID != r.rivalPocha || got[1].ID != r.pocha || got[0].DistanceM == nil || *got[0].DistanceM != 0 ||
				got[1].DistanceM == nil || *got[1].DistanceM < 200 || *got[1].DistanceM > 300 {
				t.Fatalf("near the rival: %v %+v", ids(got), got)
			}
			if got[1].Rating != 3.5 || got[1].Category != "tteokbokki" {
				t.Fatalf("search card: %+v", got[1])
			}
			// Without a position: no distances, open ones by id.
			if got := search("q=" + url.QueryEscape("포차")); len(got) != 1 || got[0].ID != r.pocha || got[0].DistanceM != nil {
				t.Fatalf("포차: %+v", got)
			}
			if got := search("category=hotteok"); len(got) != 1 || got[0].ID != r.rivalPocha {
				t.Fatalf("hotteok: %v", ids(got))
			}
			if got := search("q=" + url.QueryEscape("호떡") + "&category=tteokbokki"); len(got) != 0 {
				t.Fatalf("호떡 among tteokbokki: %v", ids(got))
			}
			if got := search("q=" + url.QueryEscape("떡볶이") + "&limit=1"); len(got) != 1 {
				t.Fatalf("limit 1: %v", ids(got))
			}

			// Bad queries are 422 naming the field, and change nothing.
			for query, field := range map[string]string{
				"":                             "q",
				"q=" + strings.Repeat("가", 41): "q",
				"q=a%00b":                      "q",
				"category=pizza":               "category",
				"q=x&lat=NaN&lng=127":          "lat",
				"q=x&lat=91&lng=127":           "lat",
				"q=x&lat=37.5":                 "lng",
				"q=x&limit=0":                  "limit",
				"q=x&limit=51":                 "limit",
				"q=x&limit=1.5":                "limit",
				"q=x&lat=37.5&lng=Infinity":    "lng",
			} {
				res := r.do("GET", "/api/v1/pochas/search?"+query, "", nil).mustStatus(t, http.StatusUnprocessableEntity)
				if p := res.problem(t); p.Code != "validation_failed" || len(p.Errors) == 0 || p.Errors[0].Field != field {
					t.Fatalf("%q: %+v (want field %s)", query, p, field)
				}
			}
			if p := r.do("PATCH", ownerPath, r.owner, map[string]any{"category": "pizza"}).mustStatus(t, http.StatusUnprocessableEntity).problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "category" {
				t.Fatalf("unknown category: %+v", p)
			}
			r.do("PATCH", ownerPath, r.owner, map[string]any{"category": ""}).mustStatus(t, http.StatusOK).decode(t, &v)
			if v.Category != "" {
				t.Fatalf("cleared category: %q", v.Category)
			}
		})
	}
}

func TestCategories(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, storetest.Backends[0])
	var out struct{ Items []pochas.Category }
	res := api.do("GET", "/api/v1/categories", "", nil).mustStatus(t, http.StatusOK)
	res.decode(t, &out)
	seen := map[string]bool{}
	for _, c := range out.Items {
		if c.Code == "" || c.Ko == "" || c.En == "" || seen[c.Code] || !pochas.IsCategory(c.Code) {
			t.Fatalf("category %+v (seen %v)", c, seen[c.Code])
		}
		seen[c.Code] = true
	}
	if len(out.Items) < 10 || !seen["bungeoppang"] || !seen["silnae_pocha"] {
		t.Fatalf("categories: %+v", out.Items)
	}
}

// TestSnapshotDescribed: the live map's snapshot is described by the stalls
// service (the hub's Map in the real wiring).
func TestSnapshotDescribed(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		owner, _ := api.signupLogin("snap_owner", "owner")
		pid, _ := api.createPocha(owner, "스냅 포차", 3000)
		api.do("PATCH", "/api/v1/pochas/"+itoa(pid), owner, map[string]any{"category": "kkochi", "hours": allWeek("00:00", "24:00")}).
			mustStatus(t, http.StatusOK)
		idx := geo.NewMemoryIndex()
		live := livemap.New(livemap.Deps{Index: idx, Store: api.store, Log: api.srv.log})
		p, err := api.store.PochaByID(context.Background(), pid)
		if err != nil {
			t.Fatal(err)
		}
		if err := live.Open(context.Background(), p, 37.5, 127.0); err != nil {
			t.Fatal(err)
		}
		var m realtime.Map = livemap.Reader{Index: idx, Describer: api.srv.pochas}
		vs, err := m.Snapshot(context.Background(), 37.5, 127.0, 100)
		if err != nil || len(vs) != 1 {
			t.Fatalf("snapshot: %+v %v", vs, err)
		}
		if v := vs[0]; v.Category != "kkochi" || v.OpenByHours == nil || !*v.OpenByHours || v.Name != "스냅 포차" {
			t.Fatalf("described: %+v", v)
		}
	})
}

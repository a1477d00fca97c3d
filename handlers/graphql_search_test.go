package handlers

import (
	"net/http"
	"testing"
)

// TestGraphQLSearch: searchPochas and categories answer what REST answers,
// and stalls carry their category and stars.
func TestGraphQLSearch(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		owner, _ := api.signupLogin("gsearch-owner", "owner")
		first, _ := api.createPocha(owner, "을지로 어묵", 5000) // sells 떡볶이 too (createPocha's menu item)
		second, _ := api.createPocha(owner, "종로 호떡", 6000)
		api.do("PATCH", "/api/v1/pochas/"+itoa(first), owner, map[string]any{"category": "eomuk"}).mustStatus(t, http.StatusOK)
		api.do("PATCH", "/api/v1/pochas/"+itoa(second), owner, map[string]any{"category": "hotteok", "hours": allWeek("00:00", "24:00")}).
			mustStatus(t, http.StatusOK)

		const search = `query($q: String, $c: String) { searchPochas(q: $q, category: $c) { distanceM pocha { id name category rating reviewCount openByHours } } }`
		type found struct {
			DistanceM *float64
			Pocha     struct {
				ID, Name, Category string
				Rating             float64
				ReviewCount        int
				OpenByHours        *bool
			}
		}
		var got struct{ SearchPochas []found }
		api.gql("", search, map[string]any{"q": "떡볶이"}).ok(t, &got)
		if len(got.SearchPochas) != 2 || got.SearchPochas[0].Pocha.ID != itoa(first) || got.SearchPochas[1].Pocha.ID != itoa(second) {
			t.Fatalf("떡볶이: %+v", got)
		}
		api.gql("", search, map[string]any{"c": "hotteok"}).ok(t, &got)
		if len(got.SearchPochas) != 1 {
			t.Fatalf("hotteok: %+v", got)
		}
		if p := got.SearchPochas[0]; p.Pocha.ID != itoa(second) || p.Pocha.Category != "hotteok" || p.Pocha.OpenByHours == nil ||
			!*p.Pocha.OpenByHours || p.DistanceM != nil || p.Pocha.ReviewCount != 0 {
			t.Fatalf("hotteok stall: %+v", p)
		}
		for name, vars := range map[string]map[string]any{
			"nothing":          {},
			"unknown_category": {"c": "pizza"},
		} {
			if c := api.gql("", search, vars).code(t); c != "validation_failed" {
				t.Fatalf("%s: code %q", name, c)
			}
		}
		if c := api.gql("", `{ searchPochas(q: "x", lat: 37.5) { distanceM } }`, nil).code(t); c != "validation_failed" {
			t.Fatalf("lat without lng: code %q", c)
		}
		if c := api.gql("", `{ searchPochas(q: "x", first: 51) { distanceM } }`, nil).code(t); c != "validation_failed" {
			t.Fatalf("first 51: code %q", c)
		}

		var cats struct {
			Categories []struct{ Code, Ko, En string }
		}
		api.gql("", `{ categories { code ko en } }`, nil).ok(t, &cats)
		if len(cats.Categories) < 10 || cats.Categories[0].Code != "bungeoppang" || cats.Categories[0].Ko != "붕어빵" {
			t.Fatalf("categories: %+v", cats)
		}
	})
}

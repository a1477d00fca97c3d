package handlers

import (
	"testing"

	"github.com/illuwa/illuwa/handlers/pochas"
)

func TestFavouritesHTTP(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		owner, _ := api.signupLogin("fav-owner", "owner")
		customer, _ := api.signupLogin("fav-cust", "customer")
		first, _ := api.createPocha(owner, "을지로 포차", 5000)
		second, _ := api.createPocha(owner, "종로 포차", 6000)
		fav := func(id uint64) string { return "/api/v1/pochas/" + itoa(id) + "/favourite" }
		list := func() []pochas.View {
			t.Helper()
			var out struct {
				Items []pochas.View `json:"items"`
			}
			api.do("GET", "/api/v1/me/favourites", customer, nil).mustStatus(t, 200).decode(t, &out)
			return out.Items
		}
		if got := list(); got == nil || len(got) != 0 {
			t.Fatalf("empty list: %#v", got)
		}
		for _, tc := range []struct {
			name, method, path, token string
			status                    int
			code                      string
		}{
			{"ok", "PUT", fav(first), customer, 204, ""},
			{"ok_second", "PUT", fav(second), customer, 204, ""},
			{"idempotent", "PUT", fav(second), customer, 204, ""},
			{"ok_owner_too", "PUT", fav(first), owner, 204, ""},
			{"unknown_stall", "PUT", fav(999999), customer, 404, "not_found"},
			{"unknown_stall_delete", "DELETE", fav(999999), customer, 404, "not_found"},
			{"malformed_id", "PUT", "/api/v1/pochas/abc/favourite", customer, 404, "not_found"},
			{"anonymous_put", "PUT", fav(first), "", 401, "unauthorized"},
			{"anonymous_delete", "DELETE", fav(first), "", 401, "unauthorized"},
			{"anonymous_list", "GET", "/api/v1/me/favourites", "", 401, "unauthorized"},
		} {
			r := api.do(tc.method, tc.path, tc.token, nil)
			if r.Status != tc.status {
				t.Fatalf("%s: status %d, want %d: %s", tc.name, r.Status, tc.status, r.Body)
			}
			if tc.code != "" {
				if p := r.problem(t); p.Code != tc.code {
					t.Fatalf("%s: code %q, want %q", tc.name, p.Code, tc.code)
				}
			}
		}
		got := list()
		if len(got) != 2 || got[0].ID != second || got[1].ID != first || got[1].Name != "을지로 포차" {
			t.Fatalf("list: %+v", got)
		}
		for range 2 {
			api.do("DELETE", fav(second), customer, nil).mustStatus(t, 204)
		}
		if got := list(); len(got) != 1 || got[0].ID != first {
			t.Fatalf("after delete: %+v", got)
		}
	})
}

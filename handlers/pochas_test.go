package handlers

import (
	"net/http"
	"testing"

	"github.com/illuwa/illuwa/handlers/pochas"
)

func TestPochaOwnership(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		owner, _ := api.signupLogin("owner-a", "owner")
		other, _ := api.signupLogin("owner-b", "owner")
		customer, _ := api.signupLogin("cust-a", "customer")
		pid, item := api.createPocha(owner, "종로 포차", 5000)
		path := "/api/v1/pochas/" + itoa(pid)
		itemPath := path + "/menu/" + itoa(item)

		tests := []struct {
			name   string
			method string
			path   string
			token  string
			body   any
			status int
			code   string
		}{
			{"ok_read_anonymous", "GET", path, "", nil, 200, ""},
			{"ok_menu_anonymous", "GET", path + "/menu", "", nil, 200, ""},
			{"not_found", "GET", "/api/v1/pochas/999999", "", nil, 404, "not_found"},
			{"not_found_malformed_id", "GET", "/api/v1/pochas/abc", "", nil, 404, "not_found"},
			{"unauthorized_create", "POST", "/api/v1/pochas", "", map[string]any{"name": "x"}, 401, "unauthorized"},
			{"forbidden_customer_create", "POST", "/api/v1/pochas", customer, map[string]any{"name": "x"}, 403, "forbidden"},
			{"forbidden_other_owner_patch", "PATCH", path, other, map[string]any{"name": "hijack"}, 403, "not_your_pocha"},
			{"forbidden_other_owner_menu", "POST", path + "/menu", other, map[string]any{"name": "x", "price": 1}, 403, "not_your_pocha"},
			{"forbidden_other_owner_item_patch", "PATCH", itemPath, other, map[string]any{"price": 1}, 403, "not_your_pocha"},
			{"forbidden_other_owner_item_delete", "DELETE", itemPath, other, nil, 403, "not_your_pocha"},
			{"mass_assignment_owner_id", "PATCH", path, owner, map[string]any{"owner_id": 2}, 400, "unknown_field"},
			{"mass_assignment_is_open", "PATCH", path, owner, map[string]any{"is_open": true}, 400, "unknown_field"},
			{"mass_assignment_item_pocha", "PATCH", itemPath, owner, map[string]any{"pocha_id": 99}, 400, "unknown_field"},
			{"bad_hours_day", "PATCH", path, owner, map[string]any{"hours": map[string]any{"someday": []any{}}}, 422, "validation_failed"},
			{"bad_hours_time", "PATCH", path, owner, map[string]any{"hours": map[string]any{"mon": []any{map[string]string{"open": "25:00", "close": "02:00"}}}}, 422, "validation_failed"},
			{"bad_hours_overlap", "PATCH", path, owner, map[string]any{"hours": map[string]any{"mon": []any{
				map[string]string{"open": "18:00", "close": "23:00"}, map[string]string{"open": "22:00", "close": "01:00"}}}}, 422, "validation_failed"},
			{"bad_hours_overlap_next_day", "PATCH", path, owner, map[string]any{"hours": map[string]any{
				"mon": []any{map[string]string{"open": "18:00", "close": "06:00"}}, "tue": []any{map[string]string{"open": "01:00", "close": "03:00"}}}}, 422, "validation_failed"},
			{"bad_hours_sunday_into_monday", "PATCH", path, owner, map[string]any{"hours": map[string]any{
				"sun": []any{map[string]string{"open": "20:00", "close": "04:00"}}, "mon": []any{map[string]string{"open": "03:00", "close": "05:00"}}}}, 422, "validation_failed"},
			{"bad_hours_24_open", "PATCH", path, owner, map[string]any{"hours": map[string]any{"mon": []any{map[string]string{"open": "24:00", "close": "02:00"}}}}, 422, "validation_failed"},
			{"ok_hours_all_day", "PATCH", path, owner, map[string]any{"hours": map[string]any{"sat": []any{map[string]string{"open": "00:00", "close": "24:00"}}}}, 200, ""},
			{"ok_hours_past_midnight", "PATCH", path, owner, map[string]any{"hours": map[string]any{"fri": []any{map[string]string{"open": "18:00", "close": "02:00"}}, "sun": []any{}}}, 200, ""},
			{"bad_price", "POST", path + "/menu", owner, map[string]any{"name": "금가루 떡볶이", "price": -1}, 422, "validation_failed"},
			{"bad_price_type", "POST", path + "/menu", owner, map[string]any{"name": "x", "price": "free"}, 400, "malformed_json"},
			{"foreign_image", "PATCH", path, owner, map[string]any{"main_image_id": "0b5c7f9e-3a52-4c1e-9d7e-2f9a8f0a1b2c"}, 422, "validation_failed"},
			{"item_of_other_pocha", "PATCH", "/api/v1/pochas/" + itoa(pid) + "/menu/999999", owner, map[string]any{"price": 1}, 404, "not_found"},
			{"ok_patch", "PATCH", path, owner, map[string]any{"name": "새 이름", "notice": "오늘 휴무"}, 200, ""},
			{"ok_item_patch", "PATCH", itemPath, owner, map[string]any{"sold_out": true}, 200, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := api.do(tc.method, tc.path, tc.token, tc.body).mustStatus(t, tc.status)
				if tc.code != "" {
					if p := res.problem(t); p.Code != tc.code {
						t.Fatalf("code %q, want %q (%s)", p.Code, tc.code, res.Body)
					}
				}
			})
		}
		// Nothing the refused requests tried changed the stall.
		var p pochas.View
		api.do("GET", path, "", nil).mustStatus(t, 200).decode(t, &p)
		if p.Name != "새 이름" || p.OwnerID == 0 || p.IsOpen || len(p.Hours["fri"]) != 1 || p.Hours["fri"][0].Close != "02:00" {
			t.Fatalf("stall after the table: %+v", p)
		}
		var menu struct{ Items []pochas.MenuItemView }
		api.do("GET", path+"/menu", "", nil).mustStatus(t, 200).decode(t, &menu)
		if len(menu.Items) != 1 || menu.Items[0].Price != 5000 || !menu.Items[0].SoldOut {
			t.Fatalf("menu after the table: %+v", menu.Items)
		}
		api.do("DELETE", itemPath, owner, nil).mustStatus(t, http.StatusNoContent)
		api.do("DELETE", itemPath, owner, nil).mustStatus(t, http.StatusNotFound)
		var mine struct{ Items []pochas.View }
		api.do("GET", "/api/v1/pochas/mine", owner, nil).mustStatus(t, 200).decode(t, &mine)
		if len(mine.Items) != 1 || mine.Items[0].ID != pid {
			t.Fatalf("mine: %+v", mine)
		}
	})
}

package handlers

import (
	"net/http"
	"testing"

	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/push/pushtest"
	"github.com/illuwa/illuwa/store/storetest"
)

// The saved places, notification settings and push subscription endpoints
// answer as documented, refuse bad input with problem+json and change
// nothing then.
func TestPlacesSettingsAndPushAPI(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			api := newTestAPI(t, kind)
			sc := &schemaChecker{doc: loadOpenAPI(t)}
			call := func(method, path, token string, body any, want int) response {
				t.Helper()
				res := api.do(method, path, token, body).mustStatus(t, want)
				sc.validateResponse(t, method, path, res)
				return res
			}
			me, _ := api.signupLogin("minji", "customer")
			other, _ := api.signupLogin("jisoo", "customer")

			home := map[string]any{"name": "집", "lat": 37.5704, "lng": 126.992, "radius_m": 800, "alert_any_open": true}
			var places struct {
				Places []struct {
					ID      uint64 `json:"id"`
					Name    string `json:"name"`
					RadiusM int    `json:"radius_m"`
				} `json:"places"`
			}
			call("GET", "/api/v1/me/places", me, nil, 200).decode(t, &places)
			if len(places.Places) != 0 {
				t.Fatalf("new user has places %+v", places)
			}
			call("PUT", "/api/v1/me/places", me, map[string]any{"places": []any{home}}, 200).decode(t, &places)
			if len(places.Places) != 1 || places.Places[0].ID == 0 || places.Places[0].Name != "집" {
				t.Fatalf("stored %+v", places)
			}
			bad := []struct {
				name   string
				body   any
				status int
			}{
				{"radius_small", map[string]any{"places": []any{map[string]any{"name": "집", "lat": 37.5, "lng": 127, "radius_m": 50}}}, 422},
				{"lat_out_of_range", map[string]any{"places": []any{map[string]any{"name": "집", "lat": 137.5, "lng": 127, "radius_m": 500}}}, 422},
				{"six_places", map[string]any{"places": []any{home, home, home, home, home, home}}, 422},
				{"unknown_field", map[string]any{"places": []any{map[string]any{"name": "집", "lat": 37.5, "lng": 127, "radius_m": 500, "user_id": 1}}}, 400},
				{"not_json", "places", 400},
			}
			for _, tc := range bad {
				t.Run("places_"+tc.name, func(t *testing.T) {
					call("PUT", "/api/v1/me/places", me, tc.body, tc.status).problem(t)
					call("GET", "/api/v1/me/places", me, nil, 200).decode(t, &places)
					if len(places.Places) != 1 || places.Places[0].RadiusM != 800 {
						t.Fatalf("places changed: %+v", places)
					}
				})
			}
			call("GET", "/api/v1/me/places", other, nil, 200).decode(t, &places)
			if len(places.Places) != 0 {
				t.Fatalf("another user sees %+v", places)
			}
			call("GET", "/api/v1/me/places", "", nil, 401)

			var set notify.Settings
			call("GET", "/api/v1/me/notification-settings", me, nil, 200).decode(t, &set)
			if !set.Kinds.Favourite.Push || set.Kinds.Favourite.Email || set.Kinds.Marketing.InApp || set.QuietHours != nil || set.TimeZone != "Asia/Seoul" {
				t.Fatalf("defaults %+v", set)
			}
			call("PUT", "/api/v1/me/notification-settings", me, map[string]any{
				"kinds":       map[string]any{"marketing": map[string]any{"push": true}, "review": map[string]any{"email": false}},
				"quiet_hours": map[string]any{"start": "22:00", "end": "07:00"}}, 200).decode(t, &set)
			if !set.Kinds.Marketing.Push || set.Kinds.Marketing.InApp || set.Kinds.Review.Email || !set.Kinds.Review.Push ||
				set.QuietHours == nil || set.QuietHours.Start != "22:00" {
				t.Fatalf("stored %+v", set)
			}
			for _, tc := range []struct {
				name string
				body any
			}{
				{"order_inbox_off", map[string]any{"kinds": map[string]any{"order": map[string]any{"in_app": false}}}},
				{"bad_time", map[string]any{"quiet_hours": map[string]any{"start": "24:00", "end": "07:00"}}},
				{"same_start_end", map[string]any{"quiet_hours": map[string]any{"start": "07:00", "end": "07:00"}}},
				{"other_zone", map[string]any{"time_zone": "UTC"}},
			} {
				t.Run("settings_"+tc.name, func(t *testing.T) {
					call("PUT", "/api/v1/me/notification-settings", me, tc.body, 422).problem(t)
					var now notify.Settings
					call("GET", "/api/v1/me/notification-settings", me, nil, 200).decode(t, &now)
					if now.QuietHours == nil || now.QuietHours.End != "07:00" || !now.Kinds.Order.InApp {
						t.Fatalf("settings changed: %+v", now)
					}
				})
			}

			var key struct {
				PublicKey string `json:"public_key"`
			}
			call("GET", "/api/v1/push/vapid-public-key", "", nil, 200).decode(t, &key)
			ps := pushtest.Start(t)
			sub := ps.NewSubscription()
			body := map[string]any{"endpoint": "https://push.example.com/send/abc", "expirationTime": nil,
				"keys": map[string]any{"p256dh": sub.Keys.P256dh, "auth": sub.Keys.Auth}}
			call("POST", "/api/v1/push/subscriptions", me, body, 201)
			body["endpoint"] = "http://push.example.com/send/abc"
			p := call("POST", "/api/v1/push/subscriptions", me, body, 422).problem(t)
			if len(p.Errors) != 1 || p.Errors[0].Field != "endpoint" {
				t.Fatalf("problem %+v", p)
			}
			call("POST", "/api/v1/push/subscriptions", "", body, 401)
			gone := map[string]any{"endpoint": "https://push.example.com/send/abc"}
			call("DELETE", "/api/v1/push/subscriptions", other, gone, 404).problem(t)
			call("DELETE", "/api/v1/push/subscriptions", me, gone, 204)
			call("DELETE", "/api/v1/push/subscriptions", me, gone, 404)
			if res := api.do("GET", "/api/v1/push/vapid-public-key", "", nil); res.Status != http.StatusOK {
				t.Fatal(res.Status)
			}
		})
	}
}

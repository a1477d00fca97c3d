package app

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/push/pushtest"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// pushedNote is a Web Push payload as the service worker reads it.
type pushedNote struct {
	Title, Body, URL, Tag, Kind string
}

// subscribe registers a loopback subscription for the user's browser.
func subscribe(t *testing.T, in *instance, token string, sub *pushtest.Subscription) {
	t.Helper()
	in.call("POST", "/api/v1/push/subscriptions", token, sub, 201, nil)
}

// nextNotification reads the user's WebSocket until a notification arrives.
func nextNotification(t *testing.T, w *wsClient, within time.Duration) (kind string, pochaID uint64) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		w.conn.SetReadDeadline(deadline)
		_, data, err := w.conn.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for a notification: %v", err)
		}
		var m struct {
			Type         string
			Notification struct {
				Kind string
				Data struct {
					PochaID uint64 `json:"pocha_id"`
				}
			}
		}
		if json.Unmarshal(data, &m) == nil && m.Type == "notification" {
			return m.Notification.Kind, m.Notification.Data.PochaID
		}
	}
}

func inboxCount(t *testing.T, in *instance, token string) int {
	t.Helper()
	var page struct{ Items []struct{ Kind string } }
	in.call("GET", "/api/v1/notifications", token, nil, 200, &page)
	return len(page.Items)
}

// TestOpeningAlertEndToEnd runs the program against a loopback push service
// that checks the VAPID signature and decrypts every payload: a favourite
// stall opening reaches its fan in the app (WebSocket) and by push within a
// second, once (opening again within the window tells nobody); a customer
// in quiet hours hears nothing; a saved place whose radius covers the stall
// alerts, one that does not stays silent; a gone subscription (410) is
// dropped and a throttled one (429) gets the message after Retry-After.
func TestOpeningAlertEndToEnd(t *testing.T) {
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			ps := pushtest.Start(t)
			in := start(t, map[string]string{"ILLUWA_DATABASE_URL": storetest.URL(t, kind), "ILLUWA_PUSH_ALLOW_LOOPBACK": "true",
				"ILLUWA_VAPID_SUBJECT": "mailto:ops@illuwa.example"})
			var key struct {
				PublicKey string `json:"public_key"`
			}
			in.call("GET", "/api/v1/push/vapid-public-key", "", nil, 200, &key)
			ps.ExpectVAPIDKey(key.PublicKey)

			owner := in.account("alert-owner", "owner")
			var p struct{ ID uint64 }
			in.call("POST", "/api/v1/pochas", owner, map[string]any{"name": "종로 포차"}, 201, &p)
			pid := itoa(p.ID)
			stall := map[string]any{"lat": 37.5704, "lng": 126.9920}

			fan := in.account("alert-fan", "customer")
			in.call("PUT", "/api/v1/pochas/"+pid+"/favourite", fan, nil, 204, nil)
			fanPhone, fanLaptop := ps.NewSubscription(), ps.NewSubscription()
			subscribe(t, in, fan, fanPhone)
			subscribe(t, in, fan, fanLaptop)
			ps.Answer(fanLaptop.Endpoint, pushtest.Answer{Status: http.StatusTooManyRequests, RetryAfter: "1"})

			sleeper := in.account("alert-sleeper", "customer")
			in.call("PUT", "/api/v1/pochas/"+pid+"/favourite", sleeper, nil, 204, nil)
			seoul := time.Now().In(time.FixedZone("KST", 9*3600))
			in.call("PUT", "/api/v1/me/notification-settings", sleeper, map[string]any{"quiet_hours": map[string]any{
				"start": seoul.Add(-time.Hour).Format("15:04"), "end": seoul.Add(time.Hour).Format("15:04")}}, 200, nil)
			sleeperPhone := ps.NewSubscription()
			subscribe(t, in, sleeper, sleeperPhone)

			// About 780 m from the stall with a 1 km radius, and 2.2 km with 1 km.
			near := in.account("alert-near", "customer")
			in.call("PUT", "/api/v1/me/places", near, map[string]any{"places": []any{
				map[string]any{"name": "회사", "lat": 37.5634, "lng": 126.9920, "radius_m": 1000, "alert_any_open": true}}}, 200, nil)
			nearOld := ps.NewSubscription()
			subscribe(t, in, near, nearOld)
			ps.Answer(nearOld.Endpoint, pushtest.Answer{Status: http.StatusGone})
			far := in.account("alert-far", "customer")
			in.call("PUT", "/api/v1/me/places", far, map[string]any{"places": []any{
				map[string]any{"name": "집", "lat": 37.5504, "lng": 126.9920, "radius_m": 1000, "alert_any_open": true}}}, 200, nil)

			ws := dialWS(t, in, fan)
			opened := time.Now()
			in.call("POST", "/api/v1/pochas/"+pid+"/open", owner, stall, 200, nil)
			kind, got := nextNotification(t, ws, 5*time.Second)
			inApp := time.Since(opened)
			push := ps.Wait(fanPhone.Endpoint, 1, 5*time.Second)
			byPush := push.At.Sub(opened)
			t.Logf("favourite opening: in-app after %v, push after %v", inApp, byPush)
			if kind != store.NotifyFavouriteOpen || got != p.ID {
				t.Fatalf("notification %s about %d", kind, got)
			}
			if inApp > time.Second || byPush > time.Second {
				t.Fatalf("the alert took %v in-app and %v by push, want within a second", inApp, byPush)
			}
			var note pushedNote
			if err := json.Unmarshal(push.Plaintext, &note); err != nil {
				t.Fatalf("push payload %q: %v", push.Plaintext, err)
			}
			if note.Title != "단골 포차가 문을 열었어요" || note.Body != "종로 포차 · 지금 영업을 시작했어요" || note.URL != "/pochas/"+pid ||
				note.Kind != store.NotifyFavouriteOpen {
				t.Fatalf("push payload %+v", note)
			}

			// The throttled laptop gets it after its Retry-After, once.
			ps.Wait(fanLaptop.Endpoint, 1, 15*time.Second)
			if n := ps.Attempts(fanLaptop.Endpoint); n != 2 {
				t.Fatalf("laptop attempts %d, want 2 (429, then delivered)", n)
			}

			// The office nearby is told; its dead subscription is dropped.
			deadline := time.Now().Add(10 * time.Second)
			for inboxCount(t, in, near) != 1 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			var nearInbox struct {
				Items []struct{ Kind, Title string }
			}
			in.call("GET", "/api/v1/notifications", near, nil, 200, &nearInbox)
			if len(nearInbox.Items) != 1 || nearInbox.Items[0].Kind != store.NotifyPlaceOpen || nearInbox.Items[0].Title != "회사 근처에 포차가 문을 열었어요" {
				t.Fatalf("near inbox %+v", nearInbox)
			}
			st, err := store.Open(context.Background(), in.dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			nearID := userID(t, in, near)
			for {
				subs, err := st.PushSubscriptions(context.Background(), nearID)
				if err != nil {
					t.Fatal(err)
				}
				if len(subs) == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the subscription answered 410 is still kept")
				}
				time.Sleep(50 * time.Millisecond)
			}

			// Closing and opening again within the window tells nobody again.
			in.call("POST", "/api/v1/pochas/"+pid+"/close", owner, nil, 200, nil)
			in.call("POST", "/api/v1/pochas/"+pid+"/open", owner, stall, 200, nil)
			time.Sleep(1500 * time.Millisecond)
			if n := inboxCount(t, in, fan); n != 1 {
				t.Fatalf("fan's inbox holds %d notifications, want 1", n)
			}
			if n := len(ps.Received(fanPhone.Endpoint)); n != 1 {
				t.Fatalf("fan's phone got %d pushes, want 1", n)
			}
			for who, token := range map[string]string{"sleeper": sleeper, "far": far} {
				if n := inboxCount(t, in, token); n != 0 {
					t.Fatalf("%s was told (%d notifications)", who, n)
				}
			}
			if n := ps.Attempts(sleeperPhone.Endpoint); n != 0 {
				t.Fatalf("the sleeper's phone was pushed %d times in quiet hours", n)
			}
			if r := ps.Refused(); len(r) != 0 {
				t.Fatalf("the push service refused requests: %v", r)
			}
		})
	}
}

// userID is the signed-in user's id.
func userID(t *testing.T, in *instance, token string) uint64 {
	t.Helper()
	var me struct{ ID uint64 }
	in.call("GET", "/api/v1/me", token, nil, 200, &me)
	return me.ID
}

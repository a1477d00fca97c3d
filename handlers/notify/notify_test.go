package notify_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/push"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestQuietHoursContains(t *testing.T) {
	t.Parallel()
	at := func(hhmm string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", "2026-05-01 "+hhmm, notify.Korea)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC() // the check converts to Korea time itself
	}
	night := notify.QuietHours{Start: "22:00", End: "07:00"}
	day := notify.QuietHours{Start: "09:00", End: "18:00"}
	tests := []struct {
		name string
		q    notify.QuietHours
		at   string
		want bool
	}{
		{"night_start_is_in", night, "22:00", true},
		{"night_before_midnight", night, "23:59", true},
		{"night_after_midnight", night, "03:00", true},
		{"night_end_is_out", night, "07:00", false},
		{"night_noon", night, "12:00", false},
		{"day_in", day, "12:00", true},
		{"day_before", day, "08:59", false},
		{"day_end", day, "18:00", false},
		{"malformed_never", notify.QuietHours{Start: "25:00", End: "07:00"}, "03:00", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.q.Contains(at(tc.at)); got != tc.want {
				t.Fatalf("%v at %s: %v, want %v", tc.q, tc.at, got, tc.want)
			}
		})
	}
}

// mails records the mails the notifier hands over.
type mails struct {
	mu   sync.Mutex
	subj []string
}

func (m *mails) Send(_ context.Context, _, subject, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.subj = append(m.subj, subject)
	return nil
}

// Each notification goes through the channels its receiver's settings
// choose: order updates always to the inbox and through quiet hours;
// reviews only to the inbox in quiet hours; marketing nowhere by default; a
// kind off in the app is not stored but still pushed.
func TestSendFollowsSettings(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u := store.User{LoginID: "minji", Nickname: "민지", Email: "minji@example.com", Role: store.RoleCustomer}
		if err := st.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		sub := store.PushSubscription{UserID: u.ID, Endpoint: "https://push.example.com/a", P256dh: "k", Auth: "a"}
		if err := st.SavePushSubscription(ctx, &sub); err != nil {
			t.Fatal(err)
		}
		noon := time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC) // 12:00 in Seoul
		m := &mails{}
		n := notify.New(st, nil, m, nil).WithWebPush(push.New(push.Deps{Store: st})).WithClock(func() time.Time { return noon })
		set, err := n.Settings(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		set.QuietHours = &notify.QuietHours{Start: "11:00", End: "13:00"}
		set.Kinds.Favourite = store.Channels{InApp: false, Push: true}
		if _, err := n.SetSettings(ctx, u.ID, set); err != nil {
			t.Fatal(err)
		}
		send := func(kind, title string) {
			t.Helper()
			if err := n.Send(ctx, store.Notification{ReceiverID: u.ID, Kind: kind, Title: title, Data: store.NotificationData{PochaID: 3}}); err != nil {
				t.Fatal(err)
			}
		}
		send(store.NotifyOrderReady, "주문")
		send(store.NotifyReviewReply, "답글")
		send(store.NotifyMarketing, "광고")
		inbox, _ := st.ListNotifications(ctx, u.ID, 0, 10)
		if len(inbox) != 2 || inbox[0].Title != "답글" || inbox[1].Title != "주문" {
			t.Fatalf("inbox %+v, want the review reply and the order", inbox)
		}
		due, _ := st.DuePushes(ctx, time.Now().Add(time.Hour), 10)
		if len(due) != 1 || m.subj == nil || len(m.subj) != 1 || m.subj[0] != "주문" {
			t.Fatalf("in quiet hours: pushes %d, mails %v; want the order's only", len(due), m.subj)
		}
		var msg push.Message
		if err := json.Unmarshal([]byte(due[0].Payload), &msg); err != nil || msg.Title != "주문" || msg.URL != "/pochas/3" {
			t.Fatalf("payload %s", due[0].Payload)
		}

		// After the quiet hours: a favourite opening is pushed but not stored.
		n.WithClock(func() time.Time { return noon.Add(2 * time.Hour) })
		send(store.NotifyFavouriteOpen, "열었어요")
		if inbox, _ := st.ListNotifications(ctx, u.ID, 0, 10); len(inbox) != 2 {
			t.Fatalf("the opening was stored: %+v", inbox[0])
		}
		if due, _ := st.DuePushes(ctx, time.Now().Add(time.Hour), 10); len(due) != 2 {
			t.Fatalf("pushes %d, want 2", len(due))
		}
		if len(m.subj) != 1 {
			t.Fatalf("mails %v: the opening is not mailed by default", m.subj)
		}
	})
}

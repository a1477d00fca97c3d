package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/store"
)

// notificationPage is GET /notifications decoded.
type notificationPage struct {
	Items       []notify.View `json:"items"`
	NextCursor  *string       `json:"next_cursor"`
	UnreadCount int64         `json:"unread_count"`
}

func TestNotificationsAPI(t *testing.T) {
	t.Parallel()
	forEachReviewBackend(t, func(t *testing.T, r *reviewAPI) {
		ctx := context.Background()
		mk := func(to uint64, kind, title string) store.Notification {
			return store.Notification{ReceiverID: to, Kind: kind, Title: title, Data: store.NotificationData{OrderID: 9}}
		}
		if err := r.srv.notes.Send(ctx, mk(r.aliceU.ID, store.NotifyOrderAccepted, "하나"), mk(r.aliceU.ID, store.NotifyOrderReady, "둘"),
			mk(r.bobU.ID, store.NotifyOrderReady, "밥에게")); err != nil {
			t.Fatal(err)
		}
		if err := r.srv.notes.Send(ctx, mk(r.aliceU.ID, store.NotifyOrderCancelled, "셋")); err != nil {
			t.Fatal(err)
		}
		// Every stored notification was pushed to its receiver, as the API lists it.
		pushes := r.push.notifications()
		if len(pushes) != 4 || pushes[2].User != r.bobU.ID || pushes[3].User != r.aliceU.ID {
			t.Fatalf("pushes %+v", pushes)
		}
		if n, ok := pushes[3].Body.(notify.View); !ok || n.Title != "셋" || n.ID == 0 || n.Read || n.Data.OrderID != 9 {
			t.Fatalf("push body %+v", pushes[3].Body)
		}

		var p1, p2 notificationPage
		r.do("GET", "/api/v1/notifications?limit=2", r.alice, nil).mustStatus(t, http.StatusOK).decode(t, &p1)
		if len(p1.Items) != 2 || p1.Items[0].Title != "셋" || p1.Items[1].Title != "둘" || p1.NextCursor == nil || p1.UnreadCount != 3 {
			t.Fatalf("page 1 %+v", p1)
		}
		r.do("GET", "/api/v1/notifications?limit=2&cursor="+*p1.NextCursor, r.alice, nil).mustStatus(t, http.StatusOK).decode(t, &p2)
		if len(p2.Items) != 1 || p2.Items[0].Title != "하나" || p2.NextCursor != nil {
			t.Fatalf("page 2 %+v", p2)
		}
		first := "/api/v1/notifications/" + itoa(p2.Items[0].ID)

		tests := []struct {
			name, method, path, token string
			status                    int
			unread                    int64 // alice's unread count afterwards
		}{
			{"read", "POST", first + "/read", r.alice, 200, 2},
			{"read_again", "POST", first + "/read", r.alice, 200, 2},
			{"read_by_another_user_not_found", "POST", first + "/read", r.bob, 404, 2},
			{"delete_by_another_user_not_found", "DELETE", first, r.bob, 404, 2},
			{"anonymous", "GET", "/api/v1/notifications", "", 401, 2},
			{"malformed_id", "POST", "/api/v1/notifications/x/read", r.alice, 404, 2},
			{"delete_unread", "DELETE", "/api/v1/notifications/" + itoa(p1.Items[0].ID), r.alice, 204, 1},
			{"delete", "DELETE", first, r.alice, 204, 1},
			{"delete_again_not_found", "DELETE", first, r.alice, 404, 1},
		}
		var readAt time.Time
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := r.do(tc.method, tc.path, tc.token, nil).mustStatus(t, tc.status)
				if tc.method == "POST" && tc.status == 200 {
					var n notify.View
					res.decode(t, &n)
					if !n.Read || n.ReadAt == nil {
						t.Fatalf("not read: %+v", n)
					}
					if !readAt.IsZero() && !n.ReadAt.Equal(readAt) {
						t.Fatalf("read_at moved from %v to %v", readAt, n.ReadAt)
					}
					readAt = *n.ReadAt
				}
				var pg notificationPage
				r.do("GET", "/api/v1/notifications", r.alice, nil).mustStatus(t, http.StatusOK).decode(t, &pg)
				if pg.UnreadCount != tc.unread {
					t.Fatalf("unread_count %d, want %d", pg.UnreadCount, tc.unread)
				}
			})
		}
		var bobs notificationPage
		r.do("GET", "/api/v1/notifications", r.bob, nil).mustStatus(t, http.StatusOK).decode(t, &bobs)
		if len(bobs.Items) != 1 || bobs.Items[0].Title != "밥에게" || bobs.UnreadCount != 1 {
			t.Fatalf("bob's %+v", bobs)
		}
		if err := r.srv.notes.Send(ctx, mk(999999, store.NotifyOrderPaid, "없는 사람")); !errors.Is(err, store.ErrInvalidRef) {
			t.Fatalf("notify an unknown user: %v", err)
		}
		if len(r.push.notifications()) != 4 {
			t.Fatal("a notification that was not stored was pushed")
		}
	})
}

// recordingMailer is a Mailer that remembers every message.
type recordingMailer struct {
	mu   sync.Mutex
	sent []string // "to|subject|body"
}

func (m *recordingMailer) Send(_ context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, to+"|"+subject+"|"+body)
	return nil
}

func TestNotifierMail(t *testing.T) {
	t.Parallel()
	r := newReviewAPI(t, store.SQLite)
	ctx := context.Background()
	mail := &recordingMailer{}
	n := notify.New(r.store, nil, mail, r.srv.log) // no pusher: pushes are skipped
	if err := n.Send(ctx, store.Notification{ReceiverID: r.aliceU.ID, Kind: store.NotifyOrderReady, Title: "준비 완료", Body: "가져가세요"}); err != nil {
		t.Fatal(err)
	}
	if len(mail.sent) != 1 || mail.sent[0] != "rv_alice@example.com|준비 완료|가져가세요" {
		t.Fatalf("mails %q", mail.sent)
	}
	if len(r.push.notifications()) != 0 {
		t.Fatal("pushed without a pusher")
	}

	// The server's own channel logs the mail with the address masked.
	if err := r.srv.notes.Send(ctx, store.Notification{ReceiverID: r.bobU.ID, Kind: store.NotifyOrderReady, Title: "준비"}); err != nil {
		t.Fatal(err)
	}
	logs := r.logs.String()
	if !strings.Contains(logs, `"to":"r***@example.com"`) || strings.Contains(logs, "rv_bob@example.com") {
		t.Fatalf("mail log: %s", logs)
	}
}

func TestWon(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0원", 800: "800원", 8000: "8,000원", 1234567: "1,234,567원", -4500: "-4,500원"} {
		if got := ordering.Won(n); got != want {
			t.Errorf("ordering.Won(%d) = %q, want %q", n, got, want)
		}
	}
}

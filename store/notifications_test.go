package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestNotifications(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		kim := mustUser(t, s, "nt_kim", store.RoleCustomer)
		lee := mustUser(t, s, "nt_lee", store.RoleOwner)

		ns := []store.Notification{
			{ReceiverID: kim.ID, Kind: store.NotifyOrderAccepted, Title: "접수", Data: store.NotificationData{OrderID: 7, PochaID: 3}},
			{ReceiverID: kim.ID, SenderID: lee.ID, Kind: store.NotifyOrderReady, Title: "준비 완료", Body: "가져가세요"},
			{ReceiverID: lee.ID, Kind: store.NotifyOrderPaid, Title: "새 주문"},
		}
		if err := s.CreateNotifications(ctx, ns); err != nil {
			t.Fatal(err)
		}
		if ns[0].ID == 0 || ns[1].ID <= ns[0].ID || ns[0].CreatedAt.IsZero() {
			t.Fatalf("ids not set: %+v", ns)
		}
		bad := []store.Notification{{ReceiverID: 999999, Kind: store.NotifyOrderPaid, Title: "x"}}
		if err := s.CreateNotifications(ctx, bad); !errors.Is(err, store.ErrInvalidRef) {
			t.Fatalf("unknown receiver: %v, want ErrInvalidRef", err)
		}

		list, err := s.ListNotifications(ctx, kim.ID, 0, 10)
		if err != nil || len(list) != 2 || list[0].ID != ns[1].ID || list[1].ID != ns[0].ID {
			t.Fatalf("list %+v %v", list, err)
		}
		if list[1].Data != (store.NotificationData{OrderID: 7, PochaID: 3}) || list[0].SenderID != lee.ID || list[0].Body != "가져가세요" {
			t.Fatalf("fields lost: %+v", list)
		}
		if page, err := s.ListNotifications(ctx, kim.ID, ns[1].ID, 10); err != nil || len(page) != 1 || page[0].ID != ns[0].ID {
			t.Fatalf("second page %+v %v", page, err)
		}
		if n, err := s.UnreadNotifications(ctx, kim.ID); err != nil || n != 2 {
			t.Fatalf("unread %d %v", n, err)
		}

		// Reading is idempotent and keeps the first time; another user's is not found.
		first, err := s.MarkNotificationRead(ctx, ns[0].ID, kim.ID)
		if err != nil || first.ReadAt == nil {
			t.Fatalf("read: %+v %v", first, err)
		}
		again, err := s.MarkNotificationRead(ctx, ns[0].ID, kim.ID)
		if err != nil || again.ReadAt == nil || !again.ReadAt.Equal(*first.ReadAt) {
			t.Fatalf("read again: %+v %v", again, err)
		}
		if _, err := s.MarkNotificationRead(ctx, ns[0].ID, lee.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another user's read: %v", err)
		}
		if n, _ := s.UnreadNotifications(ctx, kim.ID); n != 1 {
			t.Fatalf("unread after read %d", n)
		}

		if err := s.DeleteNotification(ctx, ns[1].ID, lee.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another user's delete: %v", err)
		}
		if err := s.DeleteNotification(ctx, ns[1].ID, kim.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteNotification(ctx, ns[1].ID, kim.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted twice: %v", err)
		}
		if n, _ := s.UnreadNotifications(ctx, kim.ID); n != 0 {
			t.Fatalf("unread after delete %d", n)
		}
		if list, _ := s.ListNotifications(ctx, lee.ID, 0, 0); len(list) != 1 || list[0].Kind != store.NotifyOrderPaid {
			t.Fatalf("lee's list %+v", list)
		}
	})
}

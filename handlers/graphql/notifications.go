package graphql

import (
	"context"

	"github.com/illuwa/illuwa/handlers/graphql/model"
	"github.com/illuwa/illuwa/handlers/notify"
)

// Notifications pages the caller's notifications as GET /notifications
// does, with the unread count.
func (q queryResolver) Notifications(ctx context.Context, first *int, after *string) (*model.NotificationConnection, error) {
	u, err := user(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := pageSize("first", first, defaultPage, maxPage)
	if err != nil {
		return nil, err
	}
	before, err := q.r.cursor(after)
	if err != nil {
		return nil, err
	}
	ns, err := q.r.d.Store.ListNotifications(ctx, u.ID, before, limit+1)
	if err != nil {
		return nil, err
	}
	unread, err := q.r.d.Store.UnreadNotifications(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := &model.NotificationConnection{PageInfo: &model.PageInfo{}, UnreadCount: int(unread)}
	if len(ns) > limit {
		ns = ns[:limit]
		out.PageInfo.HasNextPage = true
	}
	for _, n := range ns {
		v := notify.ViewOf(n)
		out.Edges = append(out.Edges, &model.NotificationEdge{Cursor: q.r.d.EncodeCursor(n.ID), Node: &v})
	}
	if n := len(out.Edges); n > 0 {
		out.PageInfo.StartCursor, out.PageInfo.EndCursor = &out.Edges[0].Cursor, &out.Edges[n-1].Cursor
	} else {
		out.Edges = []*model.NotificationEdge{}
	}
	return out, nil
}

func (n notificationResolver) OrderID(_ context.Context, v *notify.View) (*uint64, error) {
	return nonZero(v.Data.OrderID), nil
}

func (n notificationResolver) PochaID(_ context.Context, v *notify.View) (*uint64, error) {
	return nonZero(v.Data.PochaID), nil
}

func nonZero(id uint64) *uint64 {
	if id == 0 {
		return nil
	}
	return &id
}

package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/notify"
)

// listNotifications pages the caller's notifications, newest first, with the
// number not yet seen.
func (s *Server) listNotifications(c *gin.Context) {
	var cs check.Fields
	pg := pageQuery(c, &cs, defaultReviewPage, maxReviewPage)
	before, limit := pg.before, pg.limit
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	me := currentUser(c).ID
	ns, err := s.store.ListNotifications(ctx, me, before, limit+1)
	if err != nil {
		fail(c, err)
		return
	}
	unread, err := s.store.UnreadNotifications(ctx, me)
	if err != nil {
		fail(c, err)
		return
	}
	var next *string
	if len(ns) > limit {
		ns = ns[:limit]
		n := encodeCursor(ns[limit-1].ID)
		next = &n
	}
	out := make([]notify.View, 0, len(ns))
	for _, n := range ns {
		out = append(out, notify.ViewOf(n))
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "next_cursor": next, "unread_count": unread})
}

// readNotification marks one of the caller's notifications seen; again is fine.
func (s *Server) readNotification(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	n, err := s.store.MarkNotificationRead(c.Request.Context(), id, currentUser(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, notify.ViewOf(n))
}

// deleteNotification deletes one of the caller's notifications.
func (s *Server) deleteNotification(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if err := s.store.DeleteNotification(c.Request.Context(), id, currentUser(c).ID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

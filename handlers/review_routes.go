package handlers

import (
	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/store"
)

// reviewRoutes registers the reviews and notifications endpoints on the
// /api/v1 group.
func (s *Server) reviewRoutes(api *gin.RouterGroup) {
	body := limitBody(s.opts.MaxBodyBytes)
	user := requireUser
	owner := requireRole(store.RoleOwner)

	api.POST("/pochas/:id/reviews", user, body, s.createReview)
	api.GET("/pochas/:id/reviews", s.listReviews)
	api.GET("/pochas/:id/reviews/stats", s.reviewStats)
	api.DELETE("/reviews/:id", user, s.deleteReview)
	api.PUT("/reviews/:id/reply", user, owner, body, s.putReply)
	api.DELETE("/reviews/:id/reply", user, owner, s.deleteReply)

	api.GET("/notifications", user, s.listNotifications)
	api.POST("/notifications/:id/read", user, s.readNotification)
	api.DELETE("/notifications/:id", user, s.deleteNotification)
}

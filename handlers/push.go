package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/push"
)

// vapidPublicKey answers the key browsers subscribe with
// (PushManager.subscribe's applicationServerKey).
func (s *Server) vapidPublicKey(c *gin.Context) {
	k, err := s.webPush.PublicKey(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"public_key": k})
}

// subscribePush keeps the caller's browser subscription (its toJSON()).
func (s *Server) subscribePush(c *gin.Context) {
	var req struct {
		Endpoint       string `json:"endpoint"`
		ExpirationTime *int64 `json:"expirationTime"` // sent by browsers; not used
		Keys           struct {
			P256dh string `json:"p256dh"`
			Auth   string `json:"auth"`
		} `json:"keys"`
	}
	if !bindJSON(c, &req) {
		return
	}
	var sub push.Subscription
	sub.Endpoint, sub.Keys.P256dh, sub.Keys.Auth = req.Endpoint, req.Keys.P256dh, req.Keys.Auth
	v, err := s.webPush.Subscribe(c.Request.Context(), currentUser(c).ID, sub)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

// unsubscribePush forgets the caller's subscription of an endpoint.
func (s *Server) unsubscribePush(c *gin.Context) {
	var req struct {
		Endpoint string `json:"endpoint"`
	}
	if !bindJSON(c, &req) {
		return
	}
	if err := s.webPush.Unsubscribe(c.Request.Context(), currentUser(c).ID, req.Endpoint); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

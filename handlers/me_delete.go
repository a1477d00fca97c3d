package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

type leaveRequest struct {
	Password string `json:"password"`
}

// deleteMe deletes the caller's account (with the password) and clears the
// session cookie.
func (s *Server) deleteMe(c *gin.Context) {
	var req leaveRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := s.account.Leave(c.Request.Context(), currentUser(c), req.Password); err != nil {
		fail(c, err)
		return
	}
	setSessionCookie(c, "", time.Time{})
	c.Status(http.StatusNoContent)
}

package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// The endpoints of mailed links: verifying an address, and resetting a
// forgotten password. The accounts service decides; these bind and answer.

type tokenRequest struct {
	Token string `json:"token"`
}

type resetRequest struct {
	Email string `json:"email"`
}

type resetConfirmRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// verify spends a verification token and answers the verified user.
func (s *Server) verify(c *gin.Context) {
	var req tokenRequest
	if !bindJSON(c, &req) {
		return
	}
	u, err := s.account.Verify(c.Request.Context(), req.Token)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

// resendVerification mails the caller a new verification link.
func (s *Server) resendVerification(c *gin.Context) {
	if err := s.account.ResendVerification(c.Request.Context(), currentUser(c)); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusAccepted)
}

// requestPasswordReset answers 202 whether or not the address is registered.
func (s *Server) requestPasswordReset(c *gin.Context) {
	var req resetRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := s.account.RequestPasswordReset(c.Request.Context(), c.ClientIP(), req.Email); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusAccepted)
}

// confirmPasswordReset sets the new password; every session of the user ends.
func (s *Server) confirmPasswordReset(c *gin.Context) {
	var req resetConfirmRequest
	if !bindJSON(c, &req) {
		return
	}
	u, err := s.account.ResetPassword(c.Request.Context(), req.Token, req.Password)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

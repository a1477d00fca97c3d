package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/handlers/check"
)

// The admin endpoints: owner approval and suspending accounts. Only admins
// reach them (requireRole); the accounts service decides.

type rejectOwnerRequest struct {
	Reason string `json:"reason"`
}

type ownersPage struct {
	Owners     []accounts.OwnerView `json:"owners"`
	NextCursor string               `json:"next_cursor"`
}

// adminOwners lists owners by approval state (?status=pending by default),
// oldest first.
func (s *Server) adminOwners(c *gin.Context) {
	var cs check.Fields
	pg := pageQuery(c, &cs, 50, 100)
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	owners, err := s.account.Owners(c.Request.Context(), c.DefaultQuery("status", "pending"), pg.before, pg.limit)
	if err != nil {
		fail(c, err)
		return
	}
	out := ownersPage{Owners: owners}
	if len(owners) == pg.limit {
		out.NextCursor = encodeCursor(owners[len(owners)-1].ID)
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) approveOwner(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	v, err := s.account.Approve(c.Request.Context(), currentUser(c).ID, id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) rejectOwner(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req rejectOwnerRequest
	if !bindJSON(c, &req) {
		return
	}
	v, err := s.account.Reject(c.Request.Context(), currentUser(c).ID, id, req.Reason)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) suspendUser(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	v, err := s.account.Suspend(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) hideReview(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if err := s.reviews.Hide(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/reviews"
)

// createReview lets the customer of a completed order at the stall review it,
// once per order.
func (s *Server) createReview(c *gin.Context) {
	p, ok := s.pathPocha(c)
	if !ok {
		return
	}
	var in reviews.Input
	if !bindJSON(c, &in) {
		return
	}
	v, err := s.reviews.Write(c.Request.Context(), currentUser(c), p.ID, in)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

// listReviews pages a stall's reviews, newest first. Private reviews are
// listed to their author, the stall's owner and admins only.
func (s *Server) listReviews(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var cs check.Fields
	pg := pageQuery(c, &cs, defaultReviewPage, maxReviewPage)
	before, limit := pg.before, pg.limit
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	items, nextBefore, err := s.reviews.List(c.Request.Context(), currentUser(c), id, before, limit)
	if err != nil {
		fail(c, err)
		return
	}
	var next *string
	if nextBefore != 0 {
		n := encodeCursor(nextBefore)
		next = &n
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": next})
}

// reviewStats answers the same public-only figures to everyone.
func (s *Server) reviewStats(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	st, err := s.reviews.Stats(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// deleteReview lets the author (or an admin) delete a review; to anyone
// else it does not exist.
func (s *Server) deleteReview(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if err := s.reviews.Delete(c.Request.Context(), currentUser(c), id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type replyRequest struct {
	Content string `json:"content"`
}

// repliableReview finds the review named by the path for its stall's owner,
// answering itself when the caller may not reply (404 or 403).
func (s *Server) repliableReview(c *gin.Context) (reviews.Thread, bool) {
	id, ok := pathID(c, "id")
	if !ok {
		return reviews.Thread{}, false
	}
	t, err := s.reviews.Repliable(c.Request.Context(), currentUser(c), id)
	if err != nil {
		fail(c, err)
		return reviews.Thread{}, false
	}
	return t, true
}

// putReply writes or replaces the owner's reply. The review's author is
// notified of a first reply (not of later edits).
func (s *Server) putReply(c *gin.Context) {
	t, ok := s.repliableReview(c)
	if !ok {
		return
	}
	var req replyRequest
	if !bindJSON(c, &req) {
		return
	}
	v, err := s.reviews.Reply(c.Request.Context(), t, req.Content)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// deleteReply removes the owner's reply; removing a missing reply is fine.
func (s *Server) deleteReply(c *gin.Context) {
	t, ok := s.repliableReview(c)
	if !ok {
		return
	}
	if err := s.reviews.DeleteReply(c.Request.Context(), t); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

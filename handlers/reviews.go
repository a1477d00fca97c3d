package handlers

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// Review limits.
const (
	maxReviewText     = 1000
	defaultReviewPage = 20
	maxReviewPage     = 50
	recentReviewDays  = 30
)

// reviewReply is the stall owner's answer to a review.
type reviewReply struct {
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
}

// reviewResponse is a review as the API shows it: the author by nickname
// only, and whether the caller wrote it.
type reviewResponse struct {
	ID             uint64       `json:"id"`
	PochaID        uint64       `json:"pocha_id"`
	AuthorNickname string       `json:"author_nickname"`
	Stars          int          `json:"stars"`
	Content        string       `json:"content"`
	Public         bool         `json:"public"`
	Mine           bool         `json:"mine"`
	Reply          *reviewReply `json:"reply"`
	CreatedAt      time.Time    `json:"created_at"`
}

func toReview(r store.Review, viewerID uint64) reviewResponse {
	out := reviewResponse{ID: r.ID, PochaID: r.PochaID, AuthorNickname: r.AuthorNickname, Stars: r.Stars, Content: r.Content,
		Public: r.IsPublic, Mine: viewerID != 0 && viewerID == r.AuthorID, CreatedAt: r.CreatedAt}
	if r.ReplyContent != nil && r.RepliedAt != nil {
		out.Reply = &reviewReply{Content: *r.ReplyContent, CreatedAt: *r.RepliedAt}
	}
	return out
}

// canSeeReview: a public review is everyone's; a private one only its
// author's, the stall owner's and an admin's.
func canSeeReview(u store.User, r store.Review, ownerID uint64) bool {
	return r.IsPublic || (u.ID != 0 && (u.ID == r.AuthorID || u.ID == ownerID)) || u.Role == store.RoleAdmin
}

type createReviewRequest struct {
	OrderID uint64 `json:"order_id"`
	Stars   int    `json:"stars"`
	Content string `json:"content"`
	Public  *bool  `json:"public"`
}

func (r *createReviewRequest) validate() error {
	var cs check.Fields
	r.Content = strings.TrimSpace(r.Content)
	cs.Add(r.OrderID == 0, "order_id", "required")
	cs.Add(r.Stars < 1 || r.Stars > 5, "stars", "must be 1 to 5")
	cs.Text("content", r.Content, true, maxReviewText)
	cs.Add(r.Public == nil, "public", "required (true or false)")
	return cs.Err()
}

// createReview lets the customer of a completed order at the stall review it,
// once per order.
func (s *Server) createReview(c *gin.Context) {
	p, ok := s.pathPocha(c)
	if !ok {
		return
	}
	id, ctx := p.ID, c.Request.Context()
	var req createReviewRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := req.validate(); err != nil {
		fail(c, err)
		return
	}
	me := currentUser(c)
	o, err := s.store.OrderByID(ctx, req.OrderID)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && o.CustomerID != me.ID):
		fail(c, validationError([]FieldError{{Field: "order_id", Message: "no such order of yours"}}))
		return
	case err != nil:
		fail(c, err)
		return
	case o.PochaID != id:
		fail(c, validationError([]FieldError{{Field: "order_id", Message: "this order was placed at another stall"}}))
		return
	case o.Status != store.OrderCompleted:
		fail(c, errorf(http.StatusConflict, "order_not_completed", "only a completed order can be reviewed"))
		return
	}
	r := store.Review{PochaID: id, OrderID: o.ID, AuthorID: me.ID, Stars: req.Stars, Content: req.Content, IsPublic: *req.Public}
	if err := s.store.CreateReview(ctx, &r); err != nil {
		if errors.Is(err, store.ErrConflict) {
			fail(c, errorf(http.StatusConflict, "already_reviewed", "this order already has a review"))
			return
		}
		fail(c, err)
		return
	}
	r.AuthorNickname = me.Nickname
	c.JSON(http.StatusCreated, toReview(r, me.ID))
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
	ctx := c.Request.Context()
	p, err := s.store.PochaByID(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	me := currentUser(c)
	f := store.ReviewFilter{PochaID: id, ViewerID: me.ID, BeforeID: before, Limit: limit + 1,
		All: (me.ID != 0 && me.ID == p.OwnerID) || me.Role == store.RoleAdmin}
	rs, err := s.store.ListReviews(ctx, f)
	if err != nil {
		fail(c, err)
		return
	}
	var next *string
	if len(rs) > limit {
		rs = rs[:limit]
		n := encodeCursor(rs[limit-1].ID)
		next = &n
	}
	out := make([]reviewResponse, 0, len(rs))
	for _, r := range rs {
		out = append(out, toReview(r, me.ID))
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "next_cursor": next})
}

// reviewStatsResponse summarises a stall's public reviews.
type reviewStatsResponse struct {
	PochaID     uint64           `json:"pocha_id"`
	Count       int64            `json:"count"`
	Average     *float64         `json:"average"`
	PerStar     map[string]int64 `json:"per_star"`
	RecentCount int64            `json:"recent_count"`
	RecentDays  int              `json:"recent_days"`
}

// reviewStats answers the same public-only figures to everyone.
func (s *Server) reviewStats(c *gin.Context) {
	p, ok := s.pathPocha(c)
	if !ok {
		return
	}
	id, ctx := p.ID, c.Request.Context()
	st, err := s.store.ReviewStatsOf(ctx, id, time.Now().Add(-recentReviewDays*24*time.Hour))
	if err != nil {
		fail(c, err)
		return
	}
	out := reviewStatsResponse{PochaID: id, Count: st.Count, PerStar: map[string]int64{}, RecentCount: st.Recent, RecentDays: recentReviewDays}
	for i, n := range st.PerStar {
		out.PerStar[strconv.Itoa(i+1)] = n
	}
	if st.Count > 0 {
		avg := math.Round(float64(st.Sum)*10/float64(st.Count)) / 10
		out.Average = &avg
	}
	c.JSON(http.StatusOK, out)
}

// deleteReview lets the author (or an admin) delete a review; to anyone
// else it does not exist.
func (s *Server) deleteReview(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	me := currentUser(c)
	author := me.ID
	if me.Role == store.RoleAdmin {
		author = 0
	}
	if err := s.store.DeleteReview(c.Request.Context(), id, author); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type replyRequest struct {
	Content string `json:"content"`
}

// repliableReview loads the review named by the path for its stall's owner.
// A caller who may not see the review gets 404 (a private review's existence
// is never revealed); one who may see it but does not own the stall gets 403
// not_your_pocha.
func (s *Server) repliableReview(c *gin.Context) (store.Review, store.Pocha, bool) {
	id, ok := pathID(c, "id")
	if !ok {
		return store.Review{}, store.Pocha{}, false
	}
	ctx := c.Request.Context()
	r, err := s.store.ReviewByID(ctx, id)
	if err != nil {
		fail(c, err)
		return store.Review{}, store.Pocha{}, false
	}
	p, err := s.store.PochaByID(ctx, r.PochaID)
	if err != nil {
		fail(c, err)
		return store.Review{}, store.Pocha{}, false
	}
	me := currentUser(c)
	switch {
	case me.ID == p.OwnerID:
		return r, p, true
	case canSeeReview(me, r, p.OwnerID):
		fail(c, errorf(http.StatusForbidden, "not_your_pocha", "only the stall's owner replies to its reviews"))
	default:
		fail(c, errNotFound)
	}
	return store.Review{}, store.Pocha{}, false
}

// putReply writes or replaces the owner's reply. The review's author is
// notified of a first reply (not of later edits).
func (s *Server) putReply(c *gin.Context) {
	r, p, ok := s.repliableReview(c)
	if !ok {
		return
	}
	var req replyRequest
	if !bindJSON(c, &req) {
		return
	}
	req.Content = strings.TrimSpace(req.Content)
	var cs check.Fields
	cs.Text("content", req.Content, true, maxReviewText)
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	out, first, err := s.store.SetReviewReply(ctx, r.ID, p.OwnerID, req.Content)
	if err != nil {
		fail(c, err)
		return
	}
	if first {
		n := store.Notification{ReceiverID: out.AuthorID, SenderID: p.OwnerID, Kind: store.NotifyReviewReply,
			Title: p.Name + " 사장님이 리뷰에 답글을 남겼어요", Body: check.Clip(req.Content, 100),
			Data: store.NotificationData{PochaID: p.ID, ReviewID: out.ID}}
		s.notes.Logged(ctx, n)
	}
	c.JSON(http.StatusOK, toReview(out, currentUser(c).ID))
}

// deleteReply removes the owner's reply; removing a missing reply is fine.
func (s *Server) deleteReply(c *gin.Context) {
	r, p, ok := s.repliableReview(c)
	if !ok {
		return
	}
	if err := s.store.DeleteReviewReply(c.Request.Context(), r.ID, p.OwnerID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

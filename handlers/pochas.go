package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/store"
)

// pochaResponse is a stall as the API shows it. Location is set while the
// stall is open and on the live map.
type pochaResponse struct {
	ID           uint64            `json:"id"`
	OwnerID      uint64            `json:"owner_id"`
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	Notice       string            `json:"notice"`
	MainImageID  *string           `json:"main_image_id"`
	MainImageURL *string           `json:"main_image_url"`
	Hours        store.Hours       `json:"hours"`
	IsOpen       bool              `json:"is_open"`
	Location     *livemap.Location `json:"location"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

func imageURL(id *string) *string {
	if id == nil {
		return nil
	}
	u := "/api/v1/images/" + *id
	return &u
}

func (s *Server) toPocha(ctx context.Context, p store.Pocha) pochaResponse {
	out := pochaResponse{ID: p.ID, OwnerID: p.OwnerID, Name: p.Name, Description: p.Description, Notice: p.Notice,
		MainImageID: p.MainImageID, MainImageURL: imageURL(p.MainImageID), Hours: p.Hours, IsOpen: p.IsOpen,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if out.Hours == nil {
		out.Hours = store.Hours{}
	}
	if p.IsOpen && s.live != nil {
		if loc, ok := s.live.LocationOf(ctx, p.ID); ok {
			out.Location = &loc
		}
	}
	return out
}

type pochaRequest struct {
	Name        *string      `json:"name"`
	Description *string      `json:"description"`
	Notice      *string      `json:"notice"`
	MainImageID *string      `json:"main_image_id"`
	Hours       *store.Hours `json:"hours"`
}

// validate checks the fields that are present; create demands a name.
func (r *pochaRequest) validate(create bool) error {
	var cs check.Fields
	cs.Name("name", r.Name, create, 60)
	if r.Description != nil {
		cs.Text("description", *r.Description, false, 2000)
	}
	if r.Notice != nil {
		cs.Text("notice", *r.Notice, false, 500)
	}
	if r.MainImageID != nil && *r.MainImageID != "" {
		cs.Add(!check.UUID(*r.MainImageID), "main_image_id", "must be an image id from POST /images")
	}
	if r.Hours != nil {
		checkHours(&cs, "hours", *r.Hours)
	}
	return cs.Err()
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) createPocha(c *gin.Context) {
	var req pochaRequest
	ctx := c.Request.Context()
	u := currentUser(c)
	if !bindValid(c, &req, func() error { return s.withImageRef(ctx, req.validate(true), req.MainImageID, u.ID) }) {
		return
	}
	p := store.Pocha{OwnerID: u.ID, Name: *req.Name, Description: deref(req.Description), Notice: deref(req.Notice)}
	if req.MainImageID != nil && *req.MainImageID != "" {
		p.MainImageID = req.MainImageID
	}
	if req.Hours != nil {
		p.Hours = *req.Hours
	}
	if err := s.store.CreatePocha(ctx, &p); err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/pochas/"+itoa(p.ID))
	c.JSON(http.StatusCreated, s.toPocha(ctx, p))
}

func (s *Server) getPocha(c *gin.Context) {
	p, ok := s.pathPocha(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, s.toPocha(c.Request.Context(), p))
}

// myPochas lists the calling owner's stalls.
func (s *Server) myPochas(c *gin.Context) {
	ctx := c.Request.Context()
	ps, err := s.store.PochasByOwner(ctx, currentUser(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]pochaResponse, 0, len(ps))
	for _, p := range ps {
		out = append(out, s.toPocha(ctx, p))
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (s *Server) patchPocha(c *gin.Context) {
	p, ok := s.ownPocha(c)
	if !ok {
		return
	}
	var req pochaRequest
	ctx := c.Request.Context()
	if !bindValid(c, &req, func() error { return s.withImageRef(ctx, req.validate(false), req.MainImageID, p.OwnerID) }) {
		return
	}
	out, err := s.store.UpdatePocha(ctx, p.ID, p.OwnerID, store.PochaPatch{Name: req.Name, Description: req.Description,
		Notice: req.Notice, MainImageID: req.MainImageID, Hours: req.Hours})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.toPocha(ctx, out))
}

// pathPocha loads the stall named by the path's id, answering 404 itself
// when there is none.
func (s *Server) pathPocha(c *gin.Context) (store.Pocha, bool) {
	id, ok := pathID(c, "id")
	if !ok {
		return store.Pocha{}, false
	}
	p, err := s.store.PochaByID(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return store.Pocha{}, false
	}
	return p, true
}

// ownPocha loads the stall named by the path and checks the caller owns it:
// an unknown stall is 404, another owner's is 403.
func (s *Server) ownPocha(c *gin.Context) (store.Pocha, bool) {
	p, ok := s.pathPocha(c)
	if !ok {
		return store.Pocha{}, false
	}
	if p.OwnerID != currentUser(c).ID {
		fail(c, errorf(http.StatusForbidden, "not_your_pocha", "this stall belongs to another owner"))
		return store.Pocha{}, false
	}
	return p, true
}

// withImageRef is the second half of validating a request that names a
// picture: when the fields passed (verr is nil), the image must be the user's.
func (s *Server) withImageRef(ctx context.Context, verr error, id *string, userID uint64) error {
	if verr != nil {
		return verr
	}
	return s.checkImageRef(ctx, id, userID)
}

// checkImageRef makes sure an image id given in a request exists and was
// uploaded by the same user, so nobody can attach another user's picture.
func (s *Server) checkImageRef(ctx context.Context, id *string, userID uint64) error {
	if id == nil || *id == "" {
		return nil
	}
	img, err := s.store.ImageByID(ctx, *id)
	if err != nil || img.OwnerID != userID {
		return validationError([]FieldError{{Field: "image_id", Message: "no such image of yours; upload it with POST /images first"}})
	}
	return nil
}

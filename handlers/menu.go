package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// maxPrice caps a menu price (in won) at something a street stall could charge.
const maxPrice = 10_000_000

type menuItemResponse struct {
	ID          uint64    `json:"id"`
	PochaID     uint64    `json:"pocha_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Price       int64     `json:"price"`
	ImageID     *string   `json:"image_id"`
	ImageURL    *string   `json:"image_url"`
	SoldOut     bool      `json:"sold_out"`
	Position    int       `json:"position"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toMenuItem(it store.MenuItem) menuItemResponse {
	return menuItemResponse{ID: it.ID, PochaID: it.PochaID, Name: it.Name, Description: it.Description, Price: it.Price,
		ImageID: it.ImageID, ImageURL: imageURL(it.ImageID), SoldOut: it.SoldOut, Position: it.Position, UpdatedAt: it.UpdatedAt}
}

type menuItemRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Price       *int64  `json:"price"`
	ImageID     *string `json:"image_id"`
	SoldOut     *bool   `json:"sold_out"`
	Position    *int    `json:"position"`
}

func (r *menuItemRequest) validate(create bool) error {
	var cs check.Fields
	cs.Name("name", r.Name, create, 60)
	if r.Description != nil {
		cs.Text("description", *r.Description, false, 500)
	}
	if r.Price != nil {
		cs.Add(*r.Price < 0 || *r.Price > maxPrice, "price", "must be 0 to 10,000,000 won")
	} else {
		cs.Add(create, "price", "required (whole won)")
	}
	if r.ImageID != nil && *r.ImageID != "" {
		cs.Add(!check.UUID(*r.ImageID), "image_id", "must be an image id from POST /images")
	}
	if r.Position != nil {
		cs.Add(*r.Position < 0 || *r.Position > 10000, "position", "must be 0 to 10000")
	}
	return cs.Err()
}

func (s *Server) getMenu(c *gin.Context) {
	p, ok := s.pathPocha(c)
	if !ok {
		return
	}
	id, ctx := p.ID, c.Request.Context()
	items, err := s.store.Menu(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]menuItemResponse, 0, len(items))
	for _, it := range items {
		out = append(out, toMenuItem(it))
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (s *Server) createMenuItem(c *gin.Context) {
	p, ok := s.ownPocha(c)
	if !ok {
		return
	}
	var req menuItemRequest
	ctx := c.Request.Context()
	if !bindValid(c, &req, func() error { return s.withImageRef(ctx, req.validate(true), req.ImageID, p.OwnerID) }) {
		return
	}
	it := store.MenuItem{PochaID: p.ID, Name: *req.Name, Description: deref(req.Description), Price: *req.Price}
	if req.ImageID != nil && *req.ImageID != "" {
		it.ImageID = req.ImageID
	}
	if req.SoldOut != nil {
		it.SoldOut = *req.SoldOut
	}
	if req.Position != nil {
		it.Position = *req.Position
	}
	if err := s.store.CreateMenuItem(ctx, &it); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toMenuItem(it))
}

func (s *Server) patchMenuItem(c *gin.Context) {
	p, ok := s.ownPocha(c)
	if !ok {
		return
	}
	itemID, ok := pathID(c, "item_id")
	if !ok {
		return
	}
	var req menuItemRequest
	ctx := c.Request.Context()
	if !bindValid(c, &req, func() error { return s.withImageRef(ctx, req.validate(false), req.ImageID, p.OwnerID) }) {
		return
	}
	it, err := s.store.UpdateMenuItem(ctx, p.ID, itemID, store.MenuItemPatch{Name: req.Name, Description: req.Description,
		Price: req.Price, ImageID: req.ImageID, SoldOut: req.SoldOut, Position: req.Position})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toMenuItem(it))
}

func (s *Server) deleteMenuItem(c *gin.Context) {
	p, ok := s.ownPocha(c)
	if !ok {
		return
	}
	itemID, ok := pathID(c, "item_id")
	if !ok {
		return
	}
	if err := s.store.DeleteMenuItem(c.Request.Context(), p.ID, itemID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

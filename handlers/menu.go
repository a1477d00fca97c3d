package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/pochas"
)

func (s *Server) getMenu(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	out, err := s.pochas.Menu(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (s *Server) createMenuItem(c *gin.Context) {
	p, ok := s.ownPocha(c)
	if !ok {
		return
	}
	var in pochas.MenuInput
	if !bindJSON(c, &in) {
		return
	}
	it, err := s.pochas.AddMenuItem(c.Request.Context(), p, in)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, it)
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
	var in pochas.MenuInput
	if !bindJSON(c, &in) {
		return
	}
	it, err := s.pochas.PatchMenuItem(c.Request.Context(), p, itemID, in)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, it)
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
	if err := s.pochas.DeleteMenuItem(c.Request.Context(), p, itemID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

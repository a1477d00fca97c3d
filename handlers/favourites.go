package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// putFavourite keeps a stall among the caller's favourites; again is fine.
func (s *Server) putFavourite(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if _, err := s.pochas.Favourite(c.Request.Context(), currentUser(c).ID, id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// deleteFavourite drops a stall from the caller's favourites; again is fine.
func (s *Server) deleteFavourite(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if err := s.pochas.Unfavourite(c.Request.Context(), currentUser(c).ID, id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// myFavourites lists the caller's favourite stalls, the latest kept first.
func (s *Server) myFavourites(c *gin.Context) {
	out, err := s.pochas.Favourites(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

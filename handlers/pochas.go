package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/handlers/reviews"
	"github.com/illuwa/illuwa/store"
)

// pochaServices are the stalls and reviews services of d, built from its
// Store, Live and the notifier when d does not give them.
func pochaServices(d Deps, notes *notify.Notifier) (*pochas.Service, *reviews.Service) {
	st, rv := d.Pochas, d.Reviews
	if st == nil {
		var locs pochas.Locator
		if d.Live != nil {
			locs = d.Live // never a typed nil
		}
		st = pochas.New(pochas.Deps{Store: d.Store, Locations: locs})
	}
	if rv == nil {
		rv = reviews.New(reviews.Deps{Store: d.Store, Notes: notes})
	}
	return st, rv
}

func (s *Server) createPocha(c *gin.Context) {
	var in pochas.Input
	if !bindJSON(c, &in) {
		return
	}
	v, err := s.pochas.Create(c.Request.Context(), currentUser(c).ID, in)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/pochas/"+strconv.FormatUint(v.ID, 10))
	c.JSON(http.StatusCreated, v)
}

func (s *Server) getPocha(c *gin.Context) {
	p, ok := s.pathPocha(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, s.pochas.View(c.Request.Context(), p))
}

// myPochas lists the calling owner's stalls.
func (s *Server) myPochas(c *gin.Context) {
	out, err := s.pochas.Mine(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (s *Server) patchPocha(c *gin.Context) {
	p, ok := s.ownPocha(c)
	if !ok {
		return
	}
	var in pochas.Input
	if !bindJSON(c, &in) {
		return
	}
	v, err := s.pochas.Patch(c.Request.Context(), p, in)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// pathPocha loads the stall named by the path's id, answering 404 itself
// when there is none.
func (s *Server) pathPocha(c *gin.Context) (store.Pocha, bool) {
	id, ok := pathID(c, "id")
	if !ok {
		return store.Pocha{}, false
	}
	p, err := s.pochas.Pocha(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return store.Pocha{}, false
	}
	return p, true
}

// ownPocha loads the stall named by the path and checks the caller owns it:
// an unknown stall is 404, another owner's is 403 not_your_pocha.
func (s *Server) ownPocha(c *gin.Context) (store.Pocha, bool) {
	id, ok := pathID(c, "id")
	if !ok {
		return store.Pocha{}, false
	}
	p, err := s.pochas.Owned(c.Request.Context(), id, currentUser(c).ID)
	if err != nil {
		fail(c, err)
		return store.Pocha{}, false
	}
	return p, true
}

package handlers

import (
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
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
		rv = reviews.New(reviews.Deps{Store: d.Store, Notes: notes, Written: st.Forget})
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

// searchResponse is the answer of GET /pochas/search.
type searchResponse struct {
	Items []pochas.Found `json:"items"`
}

// searchPochas finds stalls by name (or a menu item's name) and category,
// the open ones nearest the given position first.
func (s *Server) searchPochas(c *gin.Context) {
	var cs check.Fields
	q := pochas.Query{Text: c.Query("q"), Category: c.Query("category")}
	_, hasLat := c.GetQuery("lat")
	_, hasLng := c.GetQuery("lng")
	if hasLat || hasLng {
		lat := queryFloat(c, &cs, "lat", 0, true)
		lng := queryFloat(c, &cs, "lng", 0, true)
		q.Near = &pochas.Point{Lat: lat, Lng: lng}
	}
	if _, ok := c.GetQuery("limit"); ok {
		l := queryFloat(c, &cs, "limit", 0, false)
		cs.Add(l != math.Trunc(l) || l < 1 || l > pochas.MaxSearchLimit, "limit", "must be a whole number 1..50")
		q.Limit = int(l)
	}
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	found, err := s.pochas.Search(c.Request.Context(), q)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, searchResponse{Items: found})
}

// categories lists the stall categories with their Korean and English names.
func (s *Server) categories(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=3600")
	c.JSON(http.StatusOK, gin.H{"items": pochas.Categories})
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

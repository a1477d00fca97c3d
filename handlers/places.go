package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/alerts"
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/store"
)

// myPlaces lists the caller's saved places.
func (s *Server) myPlaces(c *gin.Context) {
	ps, err := s.alerts.Places(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"places": ps})
}

// putPlaces replaces the caller's saved places.
func (s *Server) putPlaces(c *gin.Context) {
	var req struct {
		Places []alerts.Place `json:"places"`
	}
	if !bindJSON(c, &req) {
		return
	}
	for i := range req.Places {
		req.Places[i].ID = 0 // ids are the server's; a place sent back keeps nothing of its old one
	}
	ps, err := s.alerts.SetPlaces(c.Request.Context(), currentUser(c).ID, req.Places)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"places": ps})
}

// notificationSettings answers the caller's notification preferences.
func (s *Server) notificationSettings(c *gin.Context) {
	set, err := s.notes.Settings(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, set)
}

// putNotificationSettings replaces the caller's notification preferences;
// kinds left out keep their current channels, and quiet_hours null (or
// left out) means none.
func (s *Server) putNotificationSettings(c *gin.Context) {
	ctx := c.Request.Context()
	me := currentUser(c).ID
	cur, err := s.notes.Settings(ctx, me)
	if err != nil {
		fail(c, err)
		return
	}
	req := struct {
		Kinds      *kindsPatch        `json:"kinds"`
		QuietHours *notify.QuietHours `json:"quiet_hours"`
		TimeZone   *string            `json:"time_zone"` // echoed back by clients; only Asia/Seoul
	}{}
	if !bindJSON(c, &req) {
		return
	}
	if req.TimeZone != nil && *req.TimeZone != notify.Korea.String() {
		fail(c, validationError([]FieldError{{Field: "time_zone", Message: "quiet hours are in Korea time: Asia/Seoul"}}))
		return
	}
	if k := req.Kinds; k != nil {
		for _, f := range []struct {
			in  *channelsPatch
			out *store.Channels
		}{{k.Order, &cur.Kinds.Order}, {k.Review, &cur.Kinds.Review}, {k.Favourite, &cur.Kinds.Favourite}, {k.Marketing, &cur.Kinds.Marketing}} {
			f.in.apply(f.out)
		}
	}
	cur.QuietHours = req.QuietHours
	out, err := s.notes.SetSettings(ctx, me, cur)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// channelsPatch is one kind's channels in a settings update; a channel left
// out keeps its value.
type channelsPatch struct {
	InApp *bool `json:"in_app"`
	Push  *bool `json:"push"`
	Email *bool `json:"email"`
}

func (p *channelsPatch) apply(c *store.Channels) {
	if p == nil {
		return
	}
	for _, f := range []struct {
		in  *bool
		out *bool
	}{{p.InApp, &c.InApp}, {p.Push, &c.Push}, {p.Email, &c.Email}} {
		if f.in != nil {
			*f.out = *f.in
		}
	}
}

// kindsPatch is the kinds of a settings update.
type kindsPatch struct {
	Order     *channelsPatch `json:"order"`
	Review    *channelsPatch `json:"review"`
	Favourite *channelsPatch `json:"favourite"`
	Marketing *channelsPatch `json:"marketing"`
}

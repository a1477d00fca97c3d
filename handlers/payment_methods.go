package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/ordering"
)

func (s *Server) listPaymentMethods(c *gin.Context) {
	out, err := s.orders.Methods(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

// createPaymentMethod registers a card at the gateway; only its billing key,
// brand and masked number are kept.
func (s *Server) createPaymentMethod(c *gin.Context) {
	var req ordering.Card
	if !bindJSON(c, &req) {
		return
	}
	m, err := s.orders.RegisterCard(c.Request.Context(), currentUser(c).ID, req)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/payment-methods/"+strconv.FormatUint(m.ID, 10))
	c.JSON(http.StatusCreated, m)
}

type renameRequest struct {
	Nickname *string `json:"nickname"`
	// CardToken binds the card's POS token (16 hex digits; "" unbinds) for
	// paying at the stall by a tap.
	CardToken *string `json:"card_token"`
}

func (s *Server) patchPaymentMethod(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req renameRequest
	if !bindJSON(c, &req) {
		return
	}
	ctx, uid := c.Request.Context(), currentUser(c).ID
	var m ordering.MethodView
	var err error
	if req.CardToken != nil {
		m, err = s.orders.BindCard(ctx, uid, id, *req.CardToken)
	}
	if err == nil && (req.Nickname != nil || req.CardToken == nil) {
		m, err = s.orders.RenameMethod(ctx, uid, id, req.Nickname)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}

// deletePaymentMethod deletes the billing key at the gateway, then the record.
func (s *Server) deletePaymentMethod(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if err := s.orders.DeleteMethod(c.Request.Context(), currentUser(c).ID, id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

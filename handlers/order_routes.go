package handlers

import (
	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/store"
)

// orderRoutes registers the orders, payments, payment methods, sales and
// settlement endpoints on the /api/v1 group.
func (s *Server) orderRoutes(api *gin.RouterGroup) {
	body := limitBody(s.opts.MaxBodyBytes)
	user := requireUser
	customer := requireRole(store.RoleCustomer)
	owner := requireRole(store.RoleOwner)

	api.POST("/orders", user, customer, body, s.createOrder)
	// A POS device's token reaches these few (see deviceRoutesAllowed).
	dUser, dOwner := deviceOr(user), deviceOr(owner)
	api.GET("/orders", dUser, s.listOrders)
	api.GET("/orders/:id", dUser, s.getOrder)
	api.POST("/orders/:id/cancel", user, customer, body,
		s.act(ordering.Cancel))
	api.POST("/orders/:id/accept", dUser, dOwner, body,
		s.act(ordering.Accept))
	api.POST("/orders/:id/reject", dUser, dOwner, body,
		s.act(ordering.Reject))
	api.POST("/orders/:id/ready", dUser, dOwner, s.act(ordering.Ready))
	api.POST("/orders/:id/complete", user, owner, s.act(ordering.Complete))

	api.POST("/payments/confirm", user, customer, body, s.confirmPayment)
	api.POST("/payments/webhook", body, s.paymentWebhook)

	api.GET("/payment-methods", user, customer, s.listPaymentMethods)
	api.POST("/payment-methods", user, customer, body, s.createPaymentMethod)
	api.PATCH("/payment-methods/:id", user, customer, body, s.patchPaymentMethod)
	api.DELETE("/payment-methods/:id", user, customer, s.deletePaymentMethod)

	api.GET("/pochas/:id/sales", user, owner, s.sales)
	api.GET("/pochas/:id/settlements/:month", user, owner, s.settlement)
}

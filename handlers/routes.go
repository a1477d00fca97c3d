package handlers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/store"
)

// routes lists the whole HTTP API. docs/openapi.yaml documents every route
// here, and a test checks both ways.
func (s *Server) routes() *gin.Engine {
	r := gin.New()
	// Only configured proxies may name the client (rate limits, logs).
	_ = r.SetTrustedProxies(s.opts.TrustedProxies) // validated with the configuration
	r.RedirectTrailingSlash = false
	r.HandleMethodNotAllowed = true
	r.RemoveExtraSlash = true
	r.ContextWithFallback = true
	r.Use(s.recoverer, s.requestID, s.metricsMiddleware, s.accessLog, securityHeaders, s.transportSecurity)
	r.NoRoute(func(c *gin.Context) {
		if s.web == nil || strings.HasPrefix(c.Request.URL.Path, "/api/") {
			fail(c, errorf(404, "not_found", "no such endpoint"))
			return
		}
		// Gin has set 404 for an unrouted path; the web handler decides, and a
		// body written without a status is a 200, as in net/http.
		c.Writer.WriteHeader(http.StatusOK)
		s.web.ServeHTTP(c.Writer, webRequest(c))
	})
	r.NoMethod(func(c *gin.Context) {
		fail(c, errorf(405, "method_not_allowed", "this endpoint does not take that method"))
	})

	r.GET("/healthz", healthz)
	r.GET("/readyz", s.readyz)
	if !s.opts.MetricsListener {
		r.GET("/metrics", gin.WrapH(s.metricsHandler()))
	}

	api := r.Group("/api/v1", s.authenticate, noStore)
	api.GET("/openapi.yaml", openAPIYAML)
	api.GET("/openapi.json", openAPIJSONHandler)

	body := limitBody(s.opts.MaxBodyBytes)
	user := requireUser
	owner := requireRole(store.RoleOwner)
	customer := requireRole(store.RoleCustomer)

	api.POST("/auth/signup", body, s.signup)
	api.POST("/auth/login", body, s.login)
	api.POST("/auth/logout", user, s.logout)
	api.POST("/auth/verify", body, s.verify)
	api.POST("/auth/verification", user, s.resendVerification)
	api.POST("/auth/password-reset", body, s.requestPasswordReset)
	api.POST("/auth/password-reset/confirm", body, s.confirmPasswordReset)
	// Sign-in through a provider; see auth_oauth.go.
	api.GET("/auth/oauth/providers", s.oauthProviders)
	api.GET("/auth/oauth/:provider/start", s.oauthStart)
	api.GET("/auth/oauth/:provider/callback", s.oauthCallback)
	api.POST("/auth/oauth/ticket", body, s.oauthTicket)
	api.POST("/auth/oauth/link", body, s.oauthLink)
	api.POST("/auth/oauth/signup", body, s.oauthSignup)
	api.GET("/me", user, s.me)
	api.PATCH("/me", user, body, s.patchMe)
	api.DELETE("/me", user, body, s.deleteMe)

	admin := requireRole(store.RoleAdmin)
	api.GET("/admin/owners", user, admin, s.adminOwners)
	api.POST("/admin/owners/:id/approve", user, admin, s.approveOwner)
	api.POST("/admin/owners/:id/reject", user, admin, body, s.rejectOwner)
	api.POST("/admin/users/:id/suspend", user, admin, s.suspendUser)
	api.POST("/admin/reviews/:id/hide", user, admin, s.hideReview)

	// Uploads get their own cap: the picture limit plus room for the multipart envelope.
	api.POST("/images", user, s.limitWrites("upload"), limitBody(s.opts.ImageLimits.MaxBytes+64<<10), s.uploadImage)
	api.GET("/images/:id", s.getImage)
	api.HEAD("/images/:id", s.getImage)
	api.DELETE("/images/:id", user, s.deleteImage)

	if s.live != nil {
		api.GET("/pochas/nearby", s.nearby)
		api.POST("/pochas/:id/open", user, owner, body, s.openPocha)
		api.POST("/pochas/:id/close", user, owner, s.closePocha)
		api.POST("/pochas/:id/location", user, owner, body, s.postLocation)
	}
	if s.hub != nil {
		r.GET("/ws", s.serveWS)
	}

	api.POST("/pochas", user, owner, body, s.createPocha)
	api.GET("/pochas/mine", user, owner, s.myPochas)
	api.GET("/pochas/search", s.searchPochas)
	api.GET("/categories", s.categories)
	api.GET("/pochas/:id", s.getPocha)
	api.PATCH("/pochas/:id", user, owner, body, s.patchPocha)
	api.GET("/pochas/:id/menu", s.getMenu)
	api.POST("/pochas/:id/menu", user, owner, body, s.createMenuItem)
	api.PATCH("/pochas/:id/menu/:item_id", user, owner, body, s.patchMenuItem)
	api.DELETE("/pochas/:id/menu/:item_id", user, owner, s.deleteMenuItem)
	api.PUT("/pochas/:id/favourite", user, s.putFavourite)
	api.DELETE("/pochas/:id/favourite", user, s.deleteFavourite)
	api.GET("/me/favourites", user, s.myFavourites)
	api.GET("/me/places", user, s.myPlaces)
	api.PUT("/me/places", user, body, s.putPlaces)
	api.GET("/me/notification-settings", user, s.notificationSettings)
	api.PUT("/me/notification-settings", user, body, s.putNotificationSettings)

	// Web Push: the key browsers subscribe with, and their subscriptions.
	api.GET("/push/vapid-public-key", s.vapidPublicKey)
	api.POST("/push/subscriptions", user, body, s.subscribePush)
	api.DELETE("/push/subscriptions", user, body, s.unsubscribePush)

	gql := s.graphQL()
	api.GET("/graphql", gql)
	api.POST("/graphql", body, gql)

	// Orders, payments, saved cards, sales and settlement.
	api.POST("/orders", user, customer, s.limitWrites("order"), body, s.createOrder)
	// A POS device's token reaches these few (see deviceRoutesAllowed).
	dUser, dOwner := deviceOr(user), deviceOr(owner)
	api.GET("/orders", dUser, s.listOrders)
	api.GET("/orders/:id", dUser, s.getOrder)
	api.POST("/orders/:id/cancel", user, customer, body, s.act(ordering.Cancel))
	api.POST("/orders/:id/accept", dUser, dOwner, body, s.act(ordering.Accept))
	api.POST("/orders/:id/reject", dUser, dOwner, body, s.act(ordering.Reject))
	api.POST("/orders/:id/ready", dUser, dOwner, s.act(ordering.Ready))
	api.POST("/orders/:id/complete", user, owner, s.act(ordering.Complete))

	api.POST("/payments/confirm", user, customer, body, s.confirmPayment)
	// Anyone can call it; only its payment key is used, re-checked with the gateway.
	api.POST("/payments/webhook", s.limitWebhook, body, s.paymentWebhook)

	api.GET("/payment-methods", user, customer, s.listPaymentMethods)
	cardWrites := s.limitWrites("payment_method")
	api.POST("/payment-methods", user, customer, cardWrites, body, s.createPaymentMethod)
	api.PATCH("/payment-methods/:id", user, customer, cardWrites, body, s.patchPaymentMethod)
	api.DELETE("/payment-methods/:id", user, customer, cardWrites, s.deletePaymentMethod)

	api.GET("/pochas/:id/sales", user, owner, s.sales)
	api.GET("/pochas/:id/settlements/:month", user, owner, s.settlement)

	// Reviews and notifications.
	api.POST("/pochas/:id/reviews", user, s.limitWrites("review"), body, s.createReview)
	api.GET("/pochas/:id/reviews", s.listReviews)
	api.GET("/pochas/:id/reviews/stats", s.reviewStats)
	api.DELETE("/reviews/:id", user, s.deleteReview)
	api.PUT("/reviews/:id/reply", user, owner, body, s.putReply)
	api.DELETE("/reviews/:id/reply", user, owner, s.deleteReply)

	api.GET("/notifications", user, s.listNotifications)
	api.POST("/notifications/:id/read", user, s.readNotification)
	api.DELETE("/notifications/:id", user, s.deleteNotification)

	// POS devices.
	s.deviceRoutes(api)
	return r
}

// Package handlers is Illuwa's HTTP API: Gin routes under /api/v1, problem+json
// errors, authentication and every domain's handlers. It talks to the database
// through store, to blob storage for pictures, and to the live map and the
// WebSocket hub through the small interfaces it declares.
package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/handlers/alerts"
	"github.com/illuwa/illuwa/handlers/imaging"
	"github.com/illuwa/illuwa/handlers/limit"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/oauth"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/handlers/pos"
	"github.com/illuwa/illuwa/handlers/push"
	"github.com/illuwa/illuwa/handlers/reviews"
	"github.com/illuwa/illuwa/handlers/uploads"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
)

// Options tune the API. The zero value of each field means its default.
type Options struct {
	SessionTTL    time.Duration  // how long a login lasts; default 30 days
	MaxBodyBytes  int64          // JSON request bodies; default 64 KiB
	ImageLimits   imaging.Limits // uploads; default 10 MiB, 40 megapixels
	LoginFailures int            // failed logins allowed per address or login id before 429; default 10
	LoginWindow   time.Duration  // one failure is forgiven per LoginWindow/LoginFailures; default 15 minutes
	// TrustedProxies are the addresses or CIDRs of load balancers whose
	// X-Forwarded-For is believed; empty trusts none (the peer address counts).
	TrustedProxies []string
	Signups        int // sign-ups allowed per address per hour (a burst of as many); default 20
	// PasswordHashMemoryKiB and PasswordHashTime are the argon2id cost of new
	// password hashes when Deps.Accounts is nil; zero is the default (19 MiB,
	// 2 passes). Only tests lower them.
	PasswordHashMemoryKiB, PasswordHashTime uint32
	// MetricsListener leaves /metrics off the API: the caller serves
	// MetricsHandler on a listener of its own (not public).
	MetricsListener bool

	// The order flow's options, used when Deps.Orders is nil (see ordering.Options).
	AcceptTimeout, WorkerInterval, PaymentTimeout time.Duration
	PaymentFeeRate                                float64
	WebhookSecurityKey                            string // the gateway's key of signed webhook events (see ordering.Options)
	// PaymentHook is ordering.Options.Hook: for tests that stop a confirm
	// at a chosen point as a killed process would.
	PaymentHook func(point string, orderID uint64)

	GraphQL GraphQLOptions // /api/v1/graphql

	WebhookRate     int // gateway webhook calls per source address per minute (a burst of as many); default 120
	WritesPerMinute int // uploads, orders, reviews and payment-method writes per user per minute, each kind its own budget; default 20

	// ImageQuota bounds each user's pictures when Deps.Uploads is nil (zero fields: no bound).
	ImageQuota store.ImageQuota
}

func (o Options) withDefaults() Options {
	if o.SessionTTL <= 0 {
		o.SessionTTL = 30 * 24 * time.Hour
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 64 << 10
	}
	if o.ImageLimits.MaxBytes <= 0 {
		o.ImageLimits.MaxBytes = 10 << 20
	}
	if o.LoginFailures <= 0 {
		o.LoginFailures = 10
	}
	if o.Signups <= 0 {
		o.Signups = 20
	}
	if o.WebhookRate <= 0 {
		o.WebhookRate = 120
	}
	if o.WritesPerMinute <= 0 {
		o.WritesPerMinute = 20
	}
	if o.LoginWindow <= 0 {
		o.LoginWindow = 15 * time.Minute
	}
	return o
}

// Check is one readiness probe (the database, Redis...).
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// Deps are everything the API needs. Store, Images and Log are required.
type Deps struct {
	Store    *store.Store
	Images   blob.Storage
	Log      *slog.Logger
	Registry *prometheus.Registry // metrics are registered here and served at /metrics; nil makes a private one
	Ready    []Check              // extra readiness checks besides the database
	Options  Options
	Live     *livemap.Service // the live map; nil serves no live endpoints' data
	Hub      *realtime.Hub    // the WebSocket hub behind GET /ws; nil disables it
	Payments PaymentProvider  // the card payment gateway (orders and payments)
	// Orders is the order flow; nil builds one from Store, Payments, Push and
	// the order fields of Options.
	Orders *ordering.Service
	Push   Pusher        // real-time hints to users' screens; nil sends none
	Mailer notify.Mailer // e-mail copies of notifications; nil writes them to the log
	// Notes stores and delivers notifications; nil builds one from Store,
	// Push and Mailer.
	Notes *notify.Notifier
	// WebPush is the Web Push service (subscriptions, the VAPID key); nil
	// builds one from Store with the key pair kept in the database.
	WebPush *push.Service
	// Alerts is the opening alerts with the saved places; nil builds one
	// from Store and Notes.
	Alerts  *alerts.Service
	Pochas  *pochas.Service  // stalls (pochas), menus and hours; nil builds one from Store and Live
	Reviews *reviews.Service // reviews and replies; nil builds one from Store and the notifier
	// Accounts is sign-up, login and authentication; nil builds one from
	// Store, Log, Hub and the session and login settings of Options.
	Accounts *accounts.Service
	// OAuth are the sign-in providers of the accounts service built when
	// Accounts is nil; nil offers none.
	OAuth *oauth.Providers
	// POS is the stall's POS devices and presence; nil builds one from
	// Store and Hub with presence in memory.
	POS *pos.Service
	// Uploads is the pictures' quota and deletion; nil builds one from
	// Store, Images and Options.ImageQuota (its collector is not run).
	Uploads *uploads.Service
	// Limits keeps the webhook, write and pairing budgets (and those of the
	// accounts service it builds) in Redis, one for every instance; nil
	// keeps them per instance.
	Limits *limit.Shared
	// Web serves every path outside the API (the web app); nil answers 404.
	Web http.Handler
	// Extra mounts more handlers (the WebSocket endpoint, the web app...) on the engine.
	Extra func(r *gin.Engine)
}

// Server is the HTTP API.
type Server struct {
	store   *store.Store
	images  blob.Storage
	log     *slog.Logger
	opts    Options
	reg     *prometheus.Registry
	metrics *httpMetrics
	ready   []Check
	account *accounts.Service
	live    *livemap.Service
	heads   nearbyHeads // of GET /pochas/nearby
	hub     *realtime.Hub
	orders  *ordering.Service
	notes   *notify.Notifier
	webPush *push.Service
	alerts  *alerts.Service
	pochas  *pochas.Service
	reviews *reviews.Service
	pos     *pos.Service
	uploads *uploads.Service
	// pairings limits wrong POS pairing codes per address.
	pairings *limit.Attempts
	rates    rates // webhook and write budgets
	engine   *gin.Engine
	inbound  inbound
	web      http.Handler

	// proxies are Options.TrustedProxies, parsed.
	proxies trustedProxies
}

// New builds the API.
func New(d Deps) *Server {
	gin.SetMode(gin.ReleaseMode)
	reg := d.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	opts := d.Options.withDefaults()
	s := &Server{
		store:   d.Store,
		images:  d.Images,
		log:     d.Log,
		opts:    opts,
		reg:     reg,
		metrics: newHTTPMetrics(reg),
		proxies: parseTrustedProxies(opts.TrustedProxies),
		ready:   append([]Check{{Name: "database", Ping: d.Store.Ping}}, d.Ready...),
		web:     d.Web,
		live:    d.Live,
		hub:     d.Hub,
		notes:   d.Notes,
		orders:  d.Orders,
	}
	s.account = d.Accounts
	if s.account == nil {
		var ender accounts.SessionEnder // a nil *realtime.Hub must stay a nil interface
		if d.Hub != nil {
			ender = d.Hub
		}
		s.account = accounts.New(accounts.Deps{Store: d.Store, Sessions: ender, Log: d.Log, Limits: d.Limits, OAuth: d.OAuth, Options: accounts.Options{
			SessionTTL: opts.SessionTTL, LoginFailures: opts.LoginFailures, LoginWindow: opts.LoginWindow, Signups: opts.Signups,
			HashMemoryKiB: opts.PasswordHashMemoryKiB, HashTime: opts.PasswordHashTime}})
	}
	if s.notes == nil {
		s.notes = notify.New(d.Store, d.Push, d.Mailer, d.Log)
	}
	s.webPush, s.alerts = d.WebPush, d.Alerts
	if s.webPush == nil {
		s.webPush = push.New(push.Deps{Store: d.Store, Log: d.Log})
	}
	if s.alerts == nil {
		s.alerts = alerts.New(alerts.Deps{Store: d.Store, Notes: s.notes, Log: d.Log})
	}
	if s.orders == nil {
		s.orders = ordering.New(ordering.Deps{Store: d.Store, Payments: d.Payments, Push: d.Push, Notes: s.notes, Log: d.Log,
			Options: ordering.Options{AcceptTimeout: opts.AcceptTimeout, WorkerInterval: opts.WorkerInterval,
				PaymentFeeRate: opts.PaymentFeeRate, PaymentTimeout: opts.PaymentTimeout, WebhookSecurityKey: opts.WebhookSecurityKey,
				Hook: opts.PaymentHook}})
	}
	s.pochas, s.reviews = pochaServices(d, s.notes)
	reg.MustRegister(newCardRefreshCollector(s.pochas.CardRefreshStats))
	s.pos = posService(d, s.orders)
	s.uploads = d.Uploads
	if s.uploads == nil {
		s.uploads = uploads.New(uploads.Deps{Store: d.Store, Blobs: d.Images, Log: d.Log,
			Options: uploads.Options{Quota: opts.ImageQuota}})
	}
	s.pairings = limit.New(opts.LoginFailures, opts.LoginWindow/time.Duration(opts.LoginFailures)).Share(d.Limits, "pairings")
	s.rates = newRates(opts, d.Limits)
	s.inbound = inbound{s}
	s.engine = s.routes()
	if d.Extra != nil {
		d.Extra(s.engine)
	}
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// Engine exposes the Gin engine, for listing routes.
func (s *Server) Engine() *gin.Engine { return s.engine }

// MetricsHandler serves the Prometheus metrics of the registry.
func (s *Server) MetricsHandler() http.Handler { return s.metricsHandler() }

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})
}

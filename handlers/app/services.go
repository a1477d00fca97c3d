package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/illuwa/illuwa/handlers"
	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/handlers/alerts"
	"github.com/illuwa/illuwa/handlers/livemap"
	mailer "github.com/illuwa/illuwa/handlers/mail"
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/handlers/pos"
	"github.com/illuwa/illuwa/handlers/push"
	"github.com/illuwa/illuwa/handlers/reviews"
	"github.com/illuwa/illuwa/handlers/uploads"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// services are the WebSocket hub with its broker and every domain service,
// each built with its dependencies. The hub comes first: it answers watchers
// from the index alone (livemap.Reader), and the services publish through
// it; the broker delivers to the hub (the one loop, closed by SetBroker).
type services struct {
	hub      *realtime.Hub
	broker   realtime.Broker
	resynced chan struct{} // the hub's signal that the broker resynced
	live     *livemap.Service
	outbox   *mailer.Service // e-mail: queued in the database, sent by its worker
	push     *push.Service   // Web Push: queued in the database, sent by its worker
	notes    *notify.Notifier
	alerts   *alerts.Service // stall-opening alerts and saved places
	accounts *accounts.Service
	orders   *ordering.Service
	pos      *pos.Service
	pochas   *pochas.Service
	reviews  *reviews.Service
	uploads  *uploads.Service // the pictures' quota and their collector
}

// port is this instance's, for the links of mails when ILLUWA_PUBLIC_URL is unset.
func newServices(ctx context.Context, cfg Config, b *backends, pay handlers.PaymentProvider, port int, log *slog.Logger) (*services, error) {
	s := &services{resynced: make(chan struct{}, 1)}
	var err error
	// The stalls service needs only the store and the index, so the hub's
	// snapshots can show what it knows of each stall.
	s.pochas = pochas.New(pochas.Deps{Store: b.store, Locations: livemap.Reader{Index: b.index}})
	s.hub, err = realtime.NewHub(realtime.Options{
		Resynced:         s.resynced,
		AllowedOrigins:   cfg.AllowedOrigins,
		MessageRate:      cfg.WSMessageRate,
		MessageBurst:     int(2 * cfg.WSMessageRate),
		WriteTimeout:     cfg.WSWriteTimeout,
		MaxLocationDelay: maxLocationDelay(cfg.WSMaxLocationDelay),
		Registerer:       b.reg,
		MaxConns:         cfg.Security.WSMaxConns,
		MaxConnsPerUser:  cfg.Security.WSMaxConnsPerUser,
		MaxConnsPerAddr:  cfg.Security.WSMaxConnsPerAddr,
	}, livemap.Reader{Index: b.index, Describer: s.pochas})
	if err != nil {
		return nil, err
	}
	if b.redis != nil {
		if s.broker, err = b.redis.newBroker(s.hub); err != nil {
			return nil, err
		}
	} else {
		s.broker = realtime.NewMemoryBroker(s.hub)
	}
	s.hub.SetBroker(s.broker)

	if s.outbox, err = newOutbox(cfg.Mail, b.store, log); err != nil {
		_ = s.broker.Close()
		return nil, err
	}
	s.push = newPush(cfg.Push, b, log)
	s.notes = notify.New(b.store, s.hub, s.outbox, log).WithWebPush(s.push)
	s.alerts = alerts.New(alerts.Deps{Store: b.store, Notes: s.notes, Log: log, Registerer: b.reg,
		Options: alerts.Options{Window: cfg.Push.AlertWindow}})
	s.live = livemap.New(livemap.Deps{Index: b.index, Publisher: s.hub, Opened: s.alerts, Store: b.store, Log: log, Registerer: b.reg,
		Options: livemap.Options{TTL: cfg.LocationTTL, MaxSpeedKmh: cfg.MaxSpeedKmh}})
	if n, err := s.live.Restore(ctx); err != nil {
		_ = s.broker.Close()
		return nil, err
	} else if n > 0 {
		log.Info("stalls back on the map", "count", n)
	}
	signIns, err := cfg.OAuth.providers(cfg.Mail.publicURL(port))
	if err != nil {
		_ = s.broker.Close()
		return nil, err
	}
	if names := signIns.Names(); len(names) > 0 {
		log.Info("sign-in providers", "providers", names)
	}
	s.accounts = accounts.New(accounts.Deps{Store: b.store, Sessions: s.hub, Mail: s.outbox, Notices: s.notes, OAuth: signIns, Limits: b.limits,
		PublicURL: cfg.Mail.publicURL(port), Log: log})
	s.orders = ordering.New(ordering.Deps{Store: b.store, Payments: pay, Push: s.hub, Notes: s.notes, Log: log,
		Options: ordering.Options{AcceptTimeout: cfg.AcceptTimeout, PaymentFeeRate: cfg.PaymentFeeRate,
			UnpaidTTL: cfg.Security.UnpaidOrderTTL, WebhookSecurityKey: cfg.PaymentsWebhookKey,
			PaymentTimeout: knobs(ctx).paymentTimeout, Hook: knobs(ctx).paymentHook}})
	posDeps := pos.Deps{Store: b.store, End: s.hub, Announce: s.live, Log: log, Options: pos.Options{PauseAfter: cfg.PauseOffline}}
	if b.redis != nil {
		posDeps.Presence = pos.NewRedisPresence(b.redis.client, cfg.RedisPrefix+"presence:")
	}
	s.pos = pos.New(posDeps)
	s.reviews = reviews.New(reviews.Deps{Store: b.store, Notes: s.notes, Written: s.pochas.Forget})
	s.uploads = uploads.New(uploads.Deps{Store: b.store, Blobs: b.images, Log: log, Registerer: b.reg,
		Options: uploads.Options{Grace: cfg.Security.ImageGCGrace, Quota: store.ImageQuota{
			Unreferenced: cfg.Security.ImageQuotaUnused, UnreferencedBytes: cfg.Security.ImageQuotaUnusedBytes,
			Bytes: cfg.Security.ImageQuotaBytes}}})
	return s, nil
}

// run runs the hub and the periodic work (map expiry and position saving,
// the order workers, POS presence, the mail and push outboxes, the opening
// alerts, the collector of unused pictures) until ctx ends, and returns when all of
// it has stopped.
func (s *services) run(ctx context.Context, log *slog.Logger) {
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.hub.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("hub stopped", "error", err.Error())
		}
	})
	wg.Go(func() { s.live.Run(ctx, s.resynced) })
	wg.Go(func() { s.orders.Run(ctx) })
	wg.Go(func() { s.pos.Run(ctx) })
	wg.Go(func() { s.outbox.Run(ctx) })
	wg.Go(func() { s.uploads.Run(ctx) })
	wg.Go(func() { s.push.Run(ctx) })
	wg.Go(func() { s.alerts.Run(ctx) })
	wg.Wait()
}

// testKnobs are what only a test gives an instance, through the context of
// Run: a hook that stops a confirm at a chosen point as a killed process
// would (ordering.Options.Hook), and a shorter gateway timeout.
type testKnobs struct {
	paymentHook    func(point string, orderID uint64)
	paymentTimeout time.Duration
}

type knobsKey struct{}

func knobs(ctx context.Context) testKnobs {
	k, _ := ctx.Value(knobsKey{}).(testKnobs)
	return k
}

// maxLocationDelay maps ILLUWA_WS_MAX_LOCATION_DELAY (0: no bound) to
// realtime.Options.MaxLocationDelay (0: the default, negative: no bound).
func maxLocationDelay(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// Package push delivers Web Push messages (RFC 8030) to users' browsers:
// it keeps their subscriptions, signs every request with the server's VAPID
// key (RFC 8292) and encrypts every payload to the subscription's keys
// (RFC 8291, aes128gcm), through an outbox in the database that a worker
// drains, so a restart loses nothing. Gone subscriptions (404, 410) are
// dropped; 429 and 5xx are retried with backoff, honouring Retry-After.
package push

import (
	"context"
	"crypto/ecdh"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// Options tune the service; zero values are defaults.
type Options struct {
	Subject     string        // the VAPID subject: mailto:address or an https URL; default mailto:push@illuwa.local
	TTL         time.Duration // how long a push service keeps an undelivered message; default 1 h
	Interval    time.Duration // how often the worker looks for due messages; default 5 s (a Queue on this instance wakes it at once)
	MaxAttempts int           // attempts before a message is given up; default 8
	Backoff     time.Duration // wait after the first failed attempt, doubling; default 5 s
	MaxBackoff  time.Duration // the longest wait between attempts (also caps Retry-After); default 30 min
	Lease       time.Duration // how long a claimed message is kept from other workers; default 1 min
	Batch       int           // messages claimed per sweep; default 50
	// AllowLoopback accepts http:// endpoints on loopback addresses (local
	// tests and development); otherwise endpoints must be https on a
	// public host.
	AllowLoopback bool
}

func (o Options) withDefaults() Options {
	if o.Subject == "" {
		o.Subject = "mailto:push@illuwa.local"
	}
	if o.TTL <= 0 {
		o.TTL = time.Hour
	}
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Backoff <= 0 {
		o.Backoff = 5 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Minute
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 50
	}
	return o
}

// Deps are what the service needs. Store is required. Keys nil means the
// pair kept in the database (made on first use); a nil Client is an
// http.Client with a 15 s timeout; a nil Log discards; a nil Now is
// time.Now; a nil Registerer keeps the metrics private.
type Deps struct {
	Store      *store.Store
	Keys       *Keys
	Client     *http.Client
	Log        *slog.Logger
	Registerer prometheus.Registerer
	Options    Options
	Now        func() time.Time
}

// Service is Web Push: subscriptions from requests, Queue from the
// notifier, Run in the background.
type Service struct {
	store   *store.Store
	client  *http.Client
	log     *slog.Logger
	opts    Options
	now     func() time.Time
	kick    chan struct{}
	results *prometheus.CounterVec

	mu   sync.Mutex
	keys *Keys
}

// New builds the service.
func New(d Deps) *Service {
	s := &Service{store: d.Store, client: d.Client, log: d.Log, opts: d.Options.withDefaults(), now: d.Now, keys: d.Keys,
		kick: make(chan struct{}, 1),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "illuwa_push_deliveries_total",
			Help: "Web Push delivery attempts by result: sent, retry (429, 5xx, network), gone (404/410: subscription dropped), rejected (other 4xx), failed (gave up).",
		}, []string{"result"})}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 15 * time.Second}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if d.Registerer != nil {
		d.Registerer.MustRegister(s.results)
	}
	return s
}

// PublicKey is the VAPID public key browsers subscribe with
// (applicationServerKey), base64url.
func (s *Service) PublicKey(ctx context.Context) (string, error) {
	k, err := s.vapid(ctx)
	return k.Public, err
}

func (s *Service) vapid(ctx context.Context) (Keys, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys != nil {
		return *s.keys, nil
	}
	k, err := LoadOrCreateKeys(ctx, s.store)
	if err != nil {
		return Keys{}, err
	}
	s.keys = &k
	return k, nil
}

// Subscription is a browser's PushSubscription as its toJSON() gives it.
type Subscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// SubscriptionView is a stored subscription as the API answers it.
type SubscriptionView struct {
	ID        uint64    `json:"id"`
	Endpoint  string    `json:"endpoint"`
	CreatedAt time.Time `json:"created_at"`
}

// maxEndpoint is the longest endpoint URL accepted.
const maxEndpoint = 2048

// checkEndpoint adds what is wrong with an endpoint: it must be an absolute
// https URL of a host that is not a private or loopback address (the server
// posts to it), or http on loopback when the options allow it.
func (s *Service) checkEndpoint(cs *check.Fields, raw string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || len(raw) > maxEndpoint || u.User != nil {
		cs.Add(true, "endpoint", "must be the push service's absolute URL (at most 2048 characters)")
		return
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	switch {
	case s.opts.AllowLoopback && loopback && (u.Scheme == "http" || u.Scheme == "https"):
	case u.Scheme != "https":
		cs.Add(true, "endpoint", "must be an https URL")
	case loopback || (ip != nil && (ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified())):
		cs.Add(true, "endpoint", "must be a public push service")
	}
}

// Subscribe keeps the browser's subscription for the user: their
// notifications will be pushed to it too. The same endpoint again replaces
// its keys (and moves it to this user). Invalid fields are a *check.Error.
func (s *Service) Subscribe(ctx context.Context, userID uint64, sub Subscription) (SubscriptionView, error) {
	var cs check.Fields
	s.checkEndpoint(&cs, sub.Endpoint)
	p256, err := decodeKey(sub.Keys.P256dh)
	if err == nil {
		_, err = ecdh.P256().NewPublicKey(p256)
	}
	cs.Add(err != nil, "keys.p256dh", "must be the browser's P-256 public key, base64url (65 bytes)")
	auth, err := decodeKey(sub.Keys.Auth)
	cs.Add(err != nil || len(auth) != 16, "keys.auth", "must be the 16-byte authentication secret, base64url")
	if err := cs.Err(); err != nil {
		return SubscriptionView{}, err
	}
	row := store.PushSubscription{UserID: userID, Endpoint: sub.Endpoint, P256dh: sub.Keys.P256dh, Auth: sub.Keys.Auth}
	if err := s.store.SavePushSubscription(ctx, &row); err != nil {
		return SubscriptionView{}, fmt.Errorf("push: subscribe: %w", err)
	}
	return SubscriptionView{ID: row.ID, Endpoint: row.Endpoint, CreatedAt: row.CreatedAt}, nil
}

// ErrNoSubscription: the user has no subscription of that endpoint.
var ErrNoSubscription = errors.New("push: no such subscription")

// Unsubscribe forgets the user's subscription of the endpoint
// (ErrNoSubscription when there is none).
func (s *Service) Unsubscribe(ctx context.Context, userID uint64, endpoint string) error {
	ok, err := s.store.DeletePushSubscription(ctx, userID, endpoint)
	if err != nil {
		return fmt.Errorf("push: unsubscribe: %w", err)
	}
	if !ok {
		return ErrNoSubscription
	}
	return nil
}

// Message is what one push shows: the service worker displays Title and
// Body and opens URL (a path of the web app) when it is clicked. Tag
// replaces an earlier notification with the same tag on the device.
type Message struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url"`
	Tag   string `json:"tag,omitempty"`
	Kind  string `json:"kind"`
}

// Queue stores the message for every subscription of the user and wakes
// the worker; it waits on the database only. A user without
// subscriptions is no error.
func (s *Service) Queue(ctx context.Context, userID uint64, m Message) error {
	subs, err := s.store.PushSubscriptions(ctx, userID)
	if err != nil || len(subs) == 0 {
		return err
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("push: queue: %w", err)
	}
	rows := make([]store.PushMessage, len(subs))
	for i, sub := range subs {
		rows[i] = store.PushMessage{SubscriptionID: sub.ID, Payload: string(payload), Kind: m.Kind}
	}
	if err := s.store.EnqueuePushes(ctx, rows); err != nil {
		return fmt.Errorf("push: queue: %w", err)
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return nil
}

// subject is the VAPID subject as webpush-go wants it: it adds "mailto:"
// itself to anything that is not an https URL.
func (s *Service) subject() string {
	return strings.TrimPrefix(s.opts.Subject, "mailto:")
}

package realtime

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// Map is what the hub needs from the live-stall index.
type Map interface {
	// Snapshot returns the open stalls within radiusM metres of lat, lng,
	// nearest first. The hub may modify the returned slice. The index must
	// be updated BEFORE the matching event is published (see the "at" rule
	// in docs/protocol.md).
	Snapshot(ctx context.Context, lat, lng, radiusM float64) ([]StallView, error)
	// Topics returns the broker topics whose events can concern a watcher
	// of that circle: every stall inside it must publish to one of them.
	Topics(lat, lng, radiusM float64) []string
}

// Inbound handles the client messages that change state. An error that has
// a method Code() string is sent to the client as an error message with that
// code and the error's text; any other error is sent as code "internal" with
// a generic text. The hub itself answers "location" from anonymous
// connections with "unauthorized" and from roles other than "owner" with
// "forbidden", "location" with "rate_limited" while
// Options.MaxLocationsInFlight locations are being applied, and "ack" from
// anonymous connections with "unauthorized", without calling Inbound;
// ownership of the stall or order is Inbound's to check.
type Inbound interface {
	// Location records a stall position sent by its owner; on success the
	// implementation updates the index and calls Hub.PublishPocha.
	Location(ctx context.Context, who Identity, m LocationMsg) error
	// Ack records that the user's screen or POS received an order.
	Ack(ctx context.Context, who Identity, orderID uint64) error
}

// Welcomer is an optional extension of Inbound: messages it returns are sent
// on a new connection right after hello, before any other message (e.g. the
// orders an owner's screen has not acknowledged yet). Each must encode as a
// JSON object with a "type".
type Welcomer interface {
	Welcome(ctx context.Context, who Identity) ([]any, error)
}

// Hub owns the WebSocket connections of this instance and the broker
// topics they need. Create it with NewHub, give it a broker with SetBroker,
// start Run, and serve connections with ServeWS.
type Hub struct {
	opts     Options
	m        Map
	metrics  *metrics
	upgrader websocket.Upgrader
	broker   Broker

	locationsInFlight atomic.Int64 // location messages being applied (see Options.MaxLocationsInFlight)
	backlog           atomic.Int64 // messages queued for writing, at most backlogPerConn counted per connection (see Options.MaxSendBacklog)

	baseCtx    context.Context // cancelled by Shutdown; parent of connection work
	baseCancel context.CancelFunc
	wg         sync.WaitGroup // connection readers and writers
	resyncCh   chan struct{}

	mu      sync.RWMutex // lock order: mu before conn.mu
	conns   map[*conn]struct{}
	topics  map[string]map[*conn]struct{} // local connections per topic
	closing bool
	caps    connCaps // connection counts for the caps of Options

	subMu      sync.Mutex // serialises broker (un)subscribes
	subscribed map[string]struct{}

	pushes *pushQueue   // user and stall pushes, published off the caller's path
	deep   *deepWorkers // run the readers' deep work (conn.shallow)
}

var (
	_ Receiver    = (*Hub)(nil)
	_ DropCounter = (*Hub)(nil)
)

// NewHub returns a hub answering watchers from m. It fails only when the
// metrics cannot be registered. The messages that change state go to the
// Inbound each connection is served with (see ServeWS), so the services that
// publish through the hub can be built after it.
func NewHub(opts Options, m Map) (*Hub, error) {
	opts = opts.withDefaults()
	met, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		opts:       opts,
		m:          m,
		metrics:    met,
		baseCtx:    ctx,
		baseCancel: cancel,
		resyncCh:   make(chan struct{}, 1),
		conns:      make(map[*conn]struct{}),
		topics:     make(map[string]map[*conn]struct{}),
		subscribed: make(map[string]struct{}),
		caps:       newConnCaps(),
	}
	h.pushes = newPushQueue(h, opts.PushQueue)
	h.deep = newDeepWorkers(ctx.Done())
	if opts.Registerer != nil {
		backlog := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "illuwa_ws_send_backlog",
			Help: "Messages waiting on this instance's connections to be written, at most 32 counted per connection; past Options.MaxSendBacklog locations are refused.",
		}, func() float64 { return float64(h.backlog.Load()) })
		for _, c := range []prometheus.Collector{h.caps.refused, h.pushes.failed, h.metrics.resyncReplays, backlog} {
			if err := opts.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("realtime: register metrics: %w", err)
			}
		}
	}
	h.upgrader = websocket.Upgrader{
		ReadBufferSize:  readBufferSize,
		WriteBufferPool: &sync.Pool{},
		WriteBufferSize: writeBufferSize,
		CheckOrigin:     originChecker(opts.AllowedOrigins),
	}
	return h, nil
}

// SetBroker sets the broker the hub publishes to and subscribes with. It
// must be called once, before Run and ServeWS; the broker must deliver to
// this hub (the hub is its Receiver).
func (h *Hub) SetBroker(b Broker) { h.broker = b }

// Run pings every connection each Options.PingInterval and, after a broker
// Resync, re-sends snapshots and replays orders (see replayOrders), until
// ctx ends. It returns nil.
func (h *Hub) Run(ctx context.Context) error {
	t := time.NewTicker(h.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			h.pingAll()
		case <-h.resyncCh:
			h.metrics.resyncs.Inc()
			h.resnapshotAll(ctx)
			h.replayOrders(ctx)
		}
	}
}

// Shutdown refuses new connections, closes every connection with 1001 and
// waits until their goroutines have ended, then sends the pushes still
// queued (later pushes are published synchronously). When ctx ends first, it
// drops the remaining connections, waits for them and returns ctx's error.
// It does not close the broker.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	h.baseCancel() // ends rate-limit waits and inbound calls
	conns := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.closeWith(CloseGoingAway, true)
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		if err := h.pushes.close(ctx); err != nil {
			return fmt.Errorf("realtime: shutdown: pushes: %w", err)
		}
		return nil
	case <-ctx.Done():
		for _, c := range conns {
			if c.ws != nil {
				_ = c.ws.NetConn().Close()
			} else {
				c.stream.Close()
			}
		}
		<-done
		return fmt.Errorf("realtime: shutdown: %w", ctx.Err())
	}
}

// Receive implements Receiver: it decodes the broker message once and
// delivers it to every local connection of topic. It is safe for
// concurrent use.
func (h *Hub) Receive(topic string, payload []byte) {
	h.metrics.brokerReceived.Inc()
	env, err := decodeEnvelope(payload)
	if err != nil {
		h.metrics.dropped.Inc()
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.topics[topic] {
		if env.kind == kindEndSession {
			if c.who.Session != "" && c.who.Session == string(env.json) {
				c.closeWith(ClosePolicyViolation, true)
			}
			continue
		}
		if env.kind == kindEndOtherSessions {
			if c.who.UserID == env.id && (len(env.json) == 0 || c.who.Session != string(env.json)) {
				c.closeWith(ClosePolicyViolation, true)
			}
			continue
		}
		if env.kind == kindUser {
			c.mu.Lock()
			c.enqueueLocked(env.json)
			c.mu.Unlock()
			continue
		}
		c.deliver(env)
	}
}

// BrokerDropped implements DropCounter: it counts one message dropped by
// the broker in illuwa_broker_messages_dropped_total{reason}, under
// reason "other" when reason is not one of the Drop* constants.
func (h *Hub) BrokerDropped(reason string) {
	switch reason {
	case DropQueueFull:
		h.metrics.dropQueueFull.Inc()
	case DropUnknownChannel:
		h.metrics.dropUnknownChan.Inc()
	default:
		h.metrics.dropOtherReasons.Inc()
	}
}

// Resync implements Receiver: every watching connection gets a fresh
// snapshot and every signed-in connection its unacknowledged orders and an
// orders.resync nudge, sent by Run.
func (h *Hub) Resync() {
	select {
	case h.resyncCh <- struct{}{}:
	default: // one is already pending
	}
	if h.opts.Resynced != nil {
		select {
		case h.opts.Resynced <- struct{}{}:
		default:
		}
	}
}

// pingAll queues a ping on every connection.
func (h *Hub) pingAll() {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.conns {
		c.mu.Lock()
		c.enqueueLocked(nil)
		c.mu.Unlock()
	}
}

// resnapshotAll sends a fresh snapshot to every watching connection, with
// Options.ResyncWorkers snapshots in flight at most.
func (h *Hub) resnapshotAll(ctx context.Context) {
	h.mu.RLock()
	var watching []*conn
	for c := range h.conns {
		c.mu.Lock()
		if c.w != nil {
			watching = append(watching, c)
		}
		c.mu.Unlock()
	}
	h.mu.RUnlock()
	jobs := make(chan *conn)
	var wg sync.WaitGroup
	for range h.opts.ResyncWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				h.snapshot(ctx, c, true)
			}
		}()
	}
	for _, c := range watching {
		select {
		case jobs <- c:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
}

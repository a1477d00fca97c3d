package realtime

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configures a Hub. Zero fields take the documented defaults.
type Options struct {
	// AllowedOrigins lists the browser origins ("https://illuwa.kr") allowed
	// to connect. Empty means the request's own host only; "*" allows any.
	// Requests without an Origin header (non-browser clients) are allowed.
	AllowedOrigins []string
	// MessageRate and MessageBurst limit the messages a client may send
	// (default 20 per second, burst 40). Excess messages are not refused:
	// the server reads them more slowly.
	MessageRate  float64
	MessageBurst int
	// MaxLocationsInFlight bounds the location messages being applied at
	// once on this instance, over all connections (default 512). A
	// location that arrives while that many are in flight is refused at
	// once with an error of code "rate_limited" (counted in
	// illuwa_ws_locations_refused_total), so that past saturation the
	// server sheds updates instead of reading sockets more slowly and
	// letting the delay grow.
	MaxLocationsInFlight int
	// MaxSendBacklog bounds the messages waiting on this instance's
	// connections to be written (default 8192): while more wait, locations
	// are refused as past MaxLocationsInFlight. It is the output side of the
	// same back-pressure: past saturation the writers fall behind, and an
	// accepted update would only wait in their queues. At most 32 messages
	// of one connection count, so a few clients that stopped reading
	// (each cut at SendQueue or the write timeout) cannot hold it.
	MaxSendBacklog int
	// MaxLocationDelay bounds how much longer than its connection's
	// quickest a location may have taken to arrive (default 1s; negative:
	// no bound). Past saturation the positions wait in the sockets and the
	// queues before the server reads them; one that waited longer is
	// refused with "rate_limited" (counted in
	// illuwa_ws_locations_late_total) instead of being applied late, which
	// lets the server catch up. The delay is measured against the
	// location's own "at" and the smallest such lag of the connection in
	// the last 10 to 20 s, so a client's clock offset does not count (see
	// lagFloor).
	MaxLocationDelay time.Duration
	// MaxConns, MaxConnsPerUser and MaxConnsPerAddr cap the connections of
	// this instance: in all (default 50000), of one signed-in user (default
	// 16: a few phones, screens and POS boxes) and from one client address
	// (default 256, as mobile carriers put many people behind one address).
	// A handshake past a cap is refused with HTTP 429 and code
	// "too_many_connections", counted in
	// illuwa_ws_connections_refused_total{limit}.
	MaxConns        int
	MaxConnsPerUser int
	MaxConnsPerAddr int
	// ReadLimit is the largest client message in bytes (default 4096).
	// A larger message closes the connection with 1008.
	ReadLimit int64
	// SendQueue is the number of messages that may wait for a slow client
	// (default 256). When it is full the client is closed with 1013.
	SendQueue int
	// PushQueue is the number of user and stall pushes (PublishUser,
	// PublishStall) that may wait for the broker on this instance (default
	// 4096). Past it a push is dropped and counted in
	// illuwa_push_failed_total{reason="queue_full"}.
	PushQueue int
	// MaxInvalid is the number of invalid messages in a row after which
	// the connection is closed with 1008 (default 20).
	MaxInvalid int
	// PingInterval is how often the server pings every connection (default
	// 30s). A connection that sends nothing, not even a pong, for two
	// intervals plus WriteTimeout is closed.
	PingInterval time.Duration
	// WriteTimeout bounds every write to a client and every broker
	// subscribe or unsubscribe (default 5s). A client that stopped reading
	// is cut once the kernel buffers between it and the server are full and
	// a write has waited this long (illuwa_ws_write_timeouts_total); no
	// close frame can reach it then.
	WriteTimeout time.Duration
	// ResyncWorkers is the number of snapshots taken concurrently after a
	// broker Resync (default 8).
	ResyncWorkers int
	// Registerer receives the hub's metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// Resynced, when set, is signalled (without blocking: a pending signal
	// stands for any number) after every broker Resync, so the state behind
	// the snapshots (the geo index of a Redis that restarted empty) can be
	// rebuilt. The hub never closes it.
	Resynced chan<- struct{}
}

func (o Options) withDefaults() Options {
	if o.MessageRate <= 0 {
		o.MessageRate = 20
	}
	if o.MessageBurst <= 0 {
		o.MessageBurst = 40
	}
	if o.MaxLocationsInFlight <= 0 {
		o.MaxLocationsInFlight = 512
	}
	if o.MaxSendBacklog <= 0 {
		o.MaxSendBacklog = 8192
	}
	if o.MaxLocationDelay == 0 {
		o.MaxLocationDelay = time.Second
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 50000
	}
	if o.MaxConnsPerUser <= 0 {
		o.MaxConnsPerUser = 16
	}
	if o.MaxConnsPerAddr <= 0 {
		o.MaxConnsPerAddr = 256
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = 4096
	}
	if o.SendQueue <= 0 {
		o.SendQueue = 256
	}
	if o.PushQueue <= 0 {
		o.PushQueue = 4096
	}
	if o.MaxInvalid <= 0 {
		o.MaxInvalid = 20
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 30 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 5 * time.Second
	}
	if o.ResyncWorkers <= 0 {
		o.ResyncWorkers = 8
	}
	return o
}

// readTimeout is how long a connection may stay silent.
func (o Options) readTimeout() time.Duration {
	return 2*o.PingInterval + o.WriteTimeout
}

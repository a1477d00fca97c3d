package realtime

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the hub's Prometheus collectors.
type metrics struct {
	connections     prometheus.Gauge
	sent            prometheus.Counter
	dropped         prometheus.Counter
	superseded      prometheus.Counter
	slowDisconnects prometheus.Counter
	writeTimeouts   prometheus.Counter
	brokerReceived  prometheus.Counter
	resyncs         prometheus.Counter
	locRefused      prometheus.Counter
	locLate         prometheus.Counter
	resyncReplays   *prometheus.CounterVec // registered by NewHub

	brokerDropped    *prometheus.CounterVec
	dropQueueFull    prometheus.Counter // brokerDropped{reason="queue_full"}
	dropUnknownChan  prometheus.Counter // brokerDropped{reason="unknown_channel"}
	dropOtherReasons prometheus.Counter // brokerDropped{reason="other"}
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "illuwa_ws_connections",
			Help: "WebSocket connections open on this instance.",
		}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "illuwa_ws_messages_sent_total",
			Help: "Messages written to WebSocket clients.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "illuwa_ws_messages_dropped_total",
			Help: "Messages not delivered: send queue full, undecodable broker payloads, snapshot overflow.",
		}),
		superseded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "illuwa_ws_events_superseded_total",
			Help: "Stall events not sent to a watcher because it had already been sent a newer position of that stall (one stall's events travel on several topics, whose deliveries are not ordered with each other, and a snapshot overtakes the events queued behind it).",
		}),
		slowDisconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "illuwa_ws_slow_disconnects_total",
			Help: "Clients closed with 1013 because their send queue was full.",
		}),
		writeTimeouts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "illuwa_ws_write_timeouts_total",
			Help: "Clients cut because a write to them did not finish within the write timeout (they stopped reading and the kernel buffers were full; no close frame can get through).",
		}),
		brokerReceived: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "illuwa_broker_messages_received_total",
			Help: "Messages received from the broker.",
		}),
		resyncs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "illuwa_broker_resyncs_total",
			Help: "Broker reconnects after which every watcher got a fresh snapshot.",
		}),
		locRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "illuwa_ws_locations_refused_total",
			Help: "Location messages refused with rate_limited because Options.MaxLocationsInFlight were being applied or more than Options.MaxSendBacklog messages waited to be written.",
		}),
		locLate: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "illuwa_ws_locations_late_total",
			Help: "Location messages refused with rate_limited because they arrived more than Options.MaxLocationDelay later than their connection's quickest (see realtime.lagFloor).",
		}),
		resyncReplays: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "illuwa_resync_replays_total",
			Help: "Signed-in connections sent their unacknowledged orders again after a broker resync, by result: replayed, failed (the database did not answer; the connection's next welcome catches up).",
		}, []string{"result"}),
		brokerDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "illuwa_broker_messages_dropped_total",
			Help: "Messages the broker dropped on this instance before delivery, by reason: queue_full (memory broker queue full), unknown_channel (Redis message outside the prefix).",
		}, []string{"reason"}),
	}
	// Created up front, so that each reason is exported from the start.
	m.dropQueueFull = m.brokerDropped.WithLabelValues(DropQueueFull)
	m.dropUnknownChan = m.brokerDropped.WithLabelValues(DropUnknownChannel)
	m.dropOtherReasons = m.brokerDropped.WithLabelValues("other")
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.connections, m.sent, m.dropped, m.superseded, m.slowDisconnects, m.writeTimeouts, m.brokerReceived, m.resyncs, m.locRefused, m.locLate, m.brokerDropped} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("realtime: register metrics: %w", err)
		}
	}
	return m, nil
}

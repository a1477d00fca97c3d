package app

import "time"

// SecurityConfig holds the settings that bound what one client can take:
// connection caps and the expiry of unpaid orders (docs/security.md lists
// every limit).
type SecurityConfig struct {
	WSMaxConns        int
	WSMaxConnsPerUser int
	WSMaxConnsPerAddr int
	UnpaidOrderTTL    time.Duration
	MetricsAddr       string
	MetricsPprof      bool // Go's profiles at /debug/pprof/ on the metrics listener
	WebhookRate       int
	WritesPerMinute   int

	ImageQuotaUnused      int   // unused pictures one user may keep
	ImageQuotaUnusedBytes int64 // their bytes
	ImageQuotaBytes       int64 // every picture of one user
	ImageGCGrace          time.Duration
}

// securitySettings lists the SecurityConfig settings, each bound to its field of c.
func securitySettings(c *SecurityConfig) []setting {
	return []setting{
		{"ILLUWA_WS_MAX_CONNS", "ws-max-conns", "50000", "WebSocket connections one instance holds at most; past it a handshake gets 429 too_many_connections",
			intValue{&c.WSMaxConns, 1, 10_000_000}},
		{"ILLUWA_WS_MAX_CONNS_PER_USER", "ws-max-conns-per-user", "16", "WebSocket connections one signed-in user may hold on one instance",
			intValue{&c.WSMaxConnsPerUser, 1, 10_000_000}},
		{"ILLUWA_WS_MAX_CONNS_PER_ADDR", "ws-max-conns-per-addr", "256", "WebSocket connections one client address may hold on one instance (behind a trusted proxy, the forwarded address)",
			intValue{&c.WSMaxConnsPerAddr, 1, 10_000_000}},
		{"ILLUWA_METRICS_ADDR", "metrics-addr", "127.0.0.1:9090", "listen address of /metrics, apart from the API (keep it off the public network; port 0 picks a free one)",
			hostPortValue{&c.MetricsAddr}},
		{"ILLUWA_METRICS_PPROF", "metrics-pprof", "false", "true serves Go's profiles (net/http/pprof) at /debug/pprof/ on the metrics listener only, never on the API port",
			boolValue{&c.MetricsPprof}},
		{"ILLUWA_UNPAID_ORDER_TTL", "unpaid-order-ttl", "30m", "an order not paid within this of being placed is cancelled by the system",
			durationValue{&c.UnpaidOrderTTL, time.Minute}},
		{"ILLUWA_WEBHOOK_RATE", "webhook-rate", "120", "payment webhook calls one source address may make per minute; past it 429 rate_limited",
			intValue{&c.WebhookRate, 1, 1_000_000}},
		{"ILLUWA_WRITES_PER_MINUTE", "writes-per-minute", "20", "uploads, orders, reviews and payment-method changes one user may make per minute, each kind counted apart; past it 429 too_many_writes",
			intValue{&c.WritesPerMinute, 1, 1_000_000}},
		{"ILLUWA_IMAGE_QUOTA_UNUSED", "image-quota-unused", "20", "pictures one user may keep that no stall or menu item uses; past it an upload gets 413 image_quota_exceeded",
			intValue{&c.ImageQuotaUnused, 1, 1_000_000}},
		{"ILLUWA_IMAGE_QUOTA_UNUSED_BYTES", "image-quota-unused-bytes", "104857600", "bytes of the pictures one user may keep that nothing uses; past it 413 image_quota_exceeded",
			int64Value{&c.ImageQuotaUnusedBytes, 1 << 20, 1 << 40}},
		{"ILLUWA_IMAGE_QUOTA_BYTES", "image-quota-bytes", "1073741824", "bytes of all the pictures of one user, used or not; past it 413 image_quota_exceeded",
			int64Value{&c.ImageQuotaBytes, 1 << 20, 1 << 50}},
		{"ILLUWA_IMAGE_GC_GRACE", "image-gc-grace", "24h", "a picture that no stall or menu item uses this long after its upload is deleted",
			durationValue{&c.ImageGCGrace, time.Minute}},
	}
}

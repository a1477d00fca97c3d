package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Config is every setting of `illuwa serve`. Each comes from an ILLUWA_*
// environment variable or the matching flag (the flag wins), with a default
// that needs no setup.
type Config struct {
	Addr                 string
	DataDir              string
	DatabaseURL          string
	RedisURL             string
	RedisCluster         bool
	RedisPrefix          string
	AllowedOrigins       []string
	TrustedProxies       []string
	LocationTTL          time.Duration
	MaxSpeedKmh          float64
	WSMessageRate        float64
	WSWriteTimeout       time.Duration
	WSMaxLocationDelay   time.Duration // 0: no bound
	Demo                 bool
	DemoMovers           int
	TileURL              string
	PaymentsURL          string
	PaymentsKey          string
	PaymentsWebhookKey   string // the gateway's security key (보안 키) for signed webhook events
	AcceptTimeout        time.Duration
	PauseOffline         time.Duration // an open stall with no POS or owner screen online this long stops taking orders; 0 never
	PaymentFeeRate       float64
	LogLevel             string
	ShutdownTimeout      time.Duration
	MaxImageBytes        int64
	ImageStore           string
	GraphQLIntrospection bool
	Security             SecurityConfig // connection caps, rate limits, the metrics listener
	Mail                 MailConfig     // SMTP, the From address, the public URL of links
	OAuth                OAuthConfig    // the sign-in providers (Kakao, Google, Facebook)
	Push                 PushConfig     // Web Push keys and the opening alerts
}

// setting is one configuration entry: its variable, flag, default and usage,
// and the typed value it parses into a field of a Config.
type setting struct {
	env, flag, def, usage string
	value                 flag.Value
}

// settings lists every setting, each bound to its field of c.
func settings(c *Config) []setting {
	return append([]setting{
		{"ILLUWA_ADDR", "addr", ":8080", "listen address (host:port; port 0 picks a free one)", hostPortValue{&c.Addr}},
		{"ILLUWA_DATA_DIR", "data-dir", "./data", "folder for the SQLite file and uploaded images", textValue{&c.DataDir, false, nil}},
		{"ILLUWA_DATABASE_URL", "database-url", "", "sqlite://path or mysql://user:pass@host:port/db (default: SQLite in the data dir)",
			textValue{&c.DatabaseURL, true, databaseURL}},
		{"ILLUWA_REDIS_URL", "redis-url", "", "redis://host:port/db; empty runs one instance with the index and pub/sub in memory",
			textValue{&c.RedisURL, true, redisURL}},
		{"ILLUWA_REDIS_CLUSTER", "redis-cluster", "false", "true makes ILLUWA_REDIS_URL a Redis Cluster seed list, redis://h1:p1?addr=h2:p2&addr=h3:p3 (sharded pub/sub, hash-tagged keys)", boolValue{&c.RedisCluster}},
		{"ILLUWA_REDIS_PREFIX", "redis-prefix", "illuwa:", "prefix of every Redis key and channel", textValue{&c.RedisPrefix, true, nil}},
		{"ILLUWA_ALLOWED_ORIGINS", "allowed-origins", "", "comma-separated browser origins allowed on /ws; empty means the same host only, * any",
			listValue{&c.AllowedOrigins, origin}},
		{"ILLUWA_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated addresses or CIDRs of load balancers whose X-Forwarded-For is believed; empty trusts none",
			listValue{&c.TrustedProxies, ipOrCIDR}},
		{"ILLUWA_LOCATION_TTL", "location-ttl", "10m", "a stall not heard from for this long drops off the map", durationValue{&c.LocationTTL, time.Second}},
		{"ILLUWA_MAX_SPEED_KMH", "max-speed-kmh", "120", "fastest believable stall move, km/h", floatValue{&c.MaxSpeedKmh, 1, 2000}},
		{"ILLUWA_WS_MESSAGE_RATE", "ws-message-rate", "20", "messages per second one WebSocket client may send (a burst of twice that)", floatValue{&c.WSMessageRate, 0.1, 10000}},
		{"ILLUWA_WS_MAX_LOCATION_DELAY", "ws-max-location-delay", "1s", "past saturation, a stall position that took this much longer to arrive than its connection's quickest is refused with rate_limited instead of applied late (0: no bound)", durationValue{&c.WSMaxLocationDelay, 0}},
		{"ILLUWA_WS_WRITE_TIMEOUT", "ws-write-timeout", "5s", "a WebSocket client whose kernel buffers are full and that takes no write for this long is cut", durationValue{&c.WSWriteTimeout, 100 * time.Millisecond}},
		{"ILLUWA_DEMO", "demo", "false", "seed demo owners and stalls around Seoul and move some of them", boolValue{&c.Demo}},
		{"ILLUWA_DEMO_MOVERS", "demo-movers", "12", "how many demo stalls keep moving", intValue{&c.DemoMovers, 0, 10000}},
		{"ILLUWA_TILE_URL", "tile-url", "", "map tile URL template for the web map (default: OpenStreetMap)", textValue{&c.TileURL, true, tileURL}},
		{"ILLUWA_PAYMENTS_URL", "payments-url", "", "payment gateway base URL; empty turns card payments off (with --demo: a built-in fake gateway)",
			textValue{&c.PaymentsURL, true, httpURL}},
		{"ILLUWA_PAYMENTS_SECRET_KEY", "payments-secret-key", "", "payment gateway secret key (required with ILLUWA_PAYMENTS_URL)", textValue{&c.PaymentsKey, true, nil}},
		{"ILLUWA_PAYMENTS_WEBHOOK_SECURITY_KEY", "payments-webhook-security-key", "", "the gateway's security key (보안 키) that signs payout webhook events; empty refuses those events (401 invalid_signature)",
			textValue{&c.PaymentsWebhookKey, true, nil}},
		{"ILLUWA_ACCEPT_TIMEOUT", "accept-timeout", "10m", "a paid order not accepted within this is cancelled and refunded", durationValue{&c.AcceptTimeout, time.Second}},
		{"ILLUWA_PAUSE_OFFLINE_AFTER", "pause-offline-after", "60s", "an open stall with neither a POS nor an owner screen online this long stops taking orders (0: never)", durationValue{&c.PauseOffline, 0}},
		{"ILLUWA_PAYMENT_FEE_RATE", "payment-fee-rate", "0.033", "the gateway's fee as a fraction of each payment, for settlements", floatValue{&c.PaymentFeeRate, 0, 0.5}},
		{"ILLUWA_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", textValue{&c.LogLevel, false, oneOf("debug", "info", "warn", "error")}},
		{"ILLUWA_SHUTDOWN_TIMEOUT", "shutdown-timeout", "15s", "how long a graceful shutdown may take", durationValue{&c.ShutdownTimeout, time.Second}},
		{"ILLUWA_MAX_IMAGE_BYTES", "max-image-bytes", "10485760", "largest accepted image upload in bytes", int64Value{&c.MaxImageBytes, 1024, 100 << 20}},
		{"ILLUWA_IMAGE_STORE", "image-store", "database", "where uploaded images live: database (every instance serves them) or folder (the data dir; one instance only)",
			textValue{&c.ImageStore, false, oneOf("database", "folder")}},
		{"ILLUWA_GRAPHQL_INTROSPECTION", "graphql-introspection", "true", "answer GraphQL introspection (__schema, __type) at /api/v1/graphql", boolValue{&c.GraphQLIntrospection}},
	}, slices.Concat(securitySettings(&c.Security), mailSettings(&c.Mail), oauthSettings(&c.OAuth), pushSettings(&c.Push))...)
}

// loadConfig reads the defaults, then the environment, then the flags. An
// invalid value is one line naming its variable or flag.
func loadConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("illuwa "+name, flag.ContinueOnError)
	for _, s := range settings(&c) {
		if err := s.value.Set(s.def); err != nil {
			return c, fmt.Errorf("default of %s: %w", s.env, err)
		}
		if v := getenv(s.env); v != "" {
			if err := s.value.Set(v); err != nil {
				return c, fmt.Errorf("invalid %s=%q: %w", s.env, v, err)
			}
		}
		fs.Var(s.value, s.flag, s.usage)
	}
	help := false
	fs.Usage = func() { help = true }
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if help && errors.Is(err, flag.ErrHelp) {
			usage(stderr, name)
			return c, err
		}
		return c, fmt.Errorf("%v (see illuwa %s --help)", err, name)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (see illuwa %s --help)", fs.Arg(0), name)
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite://" + strings.TrimSuffix(c.DataDir, "/") + "/illuwa.db"
	}
	if err := c.Push.check(); err != nil {
		return c, err
	}
	if c.PaymentsURL != "" && c.PaymentsKey == "" {
		return c, errors.New("invalid ILLUWA_PAYMENTS_SECRET_KEY: required when ILLUWA_PAYMENTS_URL is set")
	}
	if err := c.OAuth.check(); err != nil {
		return c, err
	}
	return c, nil
}

func usage(w io.Writer, name string) {
	fmt.Fprintf(w, "usage: illuwa %s [flags]\n\nEvery setting is an environment variable or a flag (the flag wins):\n\n", name)
	for _, s := range settings(&Config{}) {
		def := s.def
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(w, "  %-28s --%-20s default %s\n      %s\n", s.env, s.flag, def, s.usage)
	}
}

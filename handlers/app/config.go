package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/illuwa/illuwa/web"
)

// Config is every setting of `illuwa serve`. Each comes from an ILLUWA_*
// environment variable or the matching flag (the flag wins), with a default
// that needs no setup.
type Config struct {
	Addr            string
	DataDir         string
	DatabaseURL     string
	RedisURL        string
	RedisCluster    bool
	RedisPrefix     string
	AllowedOrigins  []string
	TrustedProxies  []string
	LocationTTL     time.Duration
	MaxSpeedKmh     float64
	WSMessageRate   float64
	Demo            bool
	DemoMovers      int
	TileURL         string
	PaymentsURL     string
	PaymentsKey     string
	AcceptTimeout   time.Duration
	PaymentFeeRate  float64
	LogLevel        string
	ShutdownTimeout time.Duration
	MaxImageBytes   int64
	ImageStore      string
}

// setting is one configuration entry: its variable, flag, default and parser.
type setting struct {
	env, flag, def, usage string
	set                   func(c *Config, v string) error
}

func settings() []setting {
	return []setting{
		{"ILLUWA_ADDR", "addr", ":8080", "listen address (host:port; port 0 picks a free one)", func(c *Config, v string) error {
			_, port, err := net.SplitHostPort(v)
			if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
				return errors.New("want host:port with a port 0..65535, like :8080")
			}
			c.Addr = v
			return nil
		}},
		{"ILLUWA_DATA_DIR", "data-dir", "./data", "folder for the SQLite file and uploaded images", func(c *Config, v string) error {
			if v == "" {
				return errors.New("must not be empty")
			}
			c.DataDir = v
			return nil
		}},
		{"ILLUWA_DATABASE_URL", "database-url", "", "sqlite://path or mysql://user:pass@host:port/db (default: SQLite in the data dir)", func(c *Config, v string) error {
			if v != "" && !strings.HasPrefix(v, "sqlite://") && !strings.HasPrefix(v, "mysql://") {
				return errors.New("want sqlite://path or mysql://user:pass@host:port/db")
			}
			c.DatabaseURL = v
			return nil
		}},
		{"ILLUWA_REDIS_URL", "redis-url", "", "redis://host:port/db; empty runs one instance with the index and pub/sub in memory", func(c *Config, v string) error {
			if v != "" {
				if u, err := url.Parse(v); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
					return errors.New("want redis://host:port/db (or rediss:// for TLS)")
				}
			}
			c.RedisURL = v
			return nil
		}},
		{"ILLUWA_REDIS_CLUSTER", "redis-cluster", "false", "true makes ILLUWA_REDIS_URL a Redis Cluster seed list, redis://h1:p1?addr=h2:p2&addr=h3:p3 (sharded pub/sub, hash-tagged keys)", boolSetter(func(c *Config) *bool { return &c.RedisCluster })},
		{"ILLUWA_REDIS_PREFIX", "redis-prefix", "illuwa:", "prefix of every Redis key and channel", func(c *Config, v string) error { c.RedisPrefix = v; return nil }},
		{"ILLUWA_ALLOWED_ORIGINS", "allowed-origins", "", "comma-separated browser origins allowed on /ws; empty means the same host only, * any", func(c *Config, v string) error {
			c.AllowedOrigins = nil
			for _, o := range strings.Split(v, ",") {
				if o = strings.TrimSpace(o); o == "" {
					continue
				}
				if o != "*" {
					u, err := url.Parse(o)
					if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
						return fmt.Errorf("%q is not an origin like https://illuwa.kr", o)
					}
				}
				c.AllowedOrigins = append(c.AllowedOrigins, strings.TrimSuffix(o, "/"))
			}
			return nil
		}},
		{"ILLUWA_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated addresses or CIDRs of load balancers whose X-Forwarded-For is believed; empty trusts none", func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
					return fmt.Errorf("%q is not an IP address or CIDR", p)
				}
				c.TrustedProxies = append(c.TrustedProxies, p)
			}
			return nil
		}},
		{"ILLUWA_LOCATION_TTL", "location-ttl", "10m", "a stall not heard from for this long drops off the map", durationSetter(func(c *Config) *time.Duration { return &c.LocationTTL }, time.Second)},
		{"ILLUWA_MAX_SPEED_KMH", "max-speed-kmh", "120", "fastest believable stall move, km/h", floatSetter(func(c *Config) *float64 { return &c.MaxSpeedKmh }, 1, 2000)},
		{"ILLUWA_WS_MESSAGE_RATE", "ws-message-rate", "20", "messages per second one WebSocket client may send (a burst of twice that)", floatSetter(func(c *Config) *float64 { return &c.WSMessageRate }, 0.1, 10000)},
		{"ILLUWA_DEMO", "demo", "false", "seed demo owners and stalls around Seoul and move some of them", boolSetter(func(c *Config) *bool { return &c.Demo })},
		{"ILLUWA_DEMO_MOVERS", "demo-movers", "12", "how many demo stalls keep moving", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 10000 {
				return errors.New("want a whole number 0..10000")
			}
			c.DemoMovers = n
			return nil
		}},
		{"ILLUWA_TILE_URL", "tile-url", "", "map tile URL template for the web map (default: OpenStreetMap)", func(c *Config, v string) error {
			if v != "" {
				wc := web.DefaultConfig()
				wc.TileURL = v
				if err := wc.Validate(); err != nil {
					return err
				}
			}
			c.TileURL = v
			return nil
		}},
		{"ILLUWA_PAYMENTS_URL", "payments-url", "", "payment gateway base URL; empty turns card payments off (with --demo: a built-in fake gateway)", func(c *Config, v string) error {
			if v != "" {
				if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return errors.New("want an http(s) URL")
				}
			}
			c.PaymentsURL = v
			return nil
		}},
		{"ILLUWA_PAYMENTS_SECRET_KEY", "payments-secret-key", "", "payment gateway secret key (required with ILLUWA_PAYMENTS_URL)", func(c *Config, v string) error { c.PaymentsKey = v; return nil }},
		{"ILLUWA_ACCEPT_TIMEOUT", "accept-timeout", "10m", "a paid order not accepted within this is cancelled and refunded", durationSetter(func(c *Config) *time.Duration { return &c.AcceptTimeout }, time.Second)},
		{"ILLUWA_PAYMENT_FEE_RATE", "payment-fee-rate", "0.033", "the gateway's fee as a fraction of each payment, for settlements", floatSetter(func(c *Config) *float64 { return &c.PaymentFeeRate }, 0, 0.5)},
		{"ILLUWA_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", func(c *Config, v string) error {
			switch v {
			case "debug", "info", "warn", "error":
				c.LogLevel = v
				return nil
			}
			return errors.New("want debug, info, warn or error")
		}},
		{"ILLUWA_SHUTDOWN_TIMEOUT", "shutdown-timeout", "15s", "how long a graceful shutdown may take", durationSetter(func(c *Config) *time.Duration { return &c.ShutdownTimeout }, time.Second)},
		{"ILLUWA_MAX_IMAGE_BYTES", "max-image-bytes", "10485760", "largest accepted image upload in bytes", func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1024 || n > 100<<20 {
				return errors.New("want a whole number of bytes from 1024 to 104857600")
			}
			c.MaxImageBytes = n
			return nil
		}},
		{"ILLUWA_IMAGE_STORE", "image-store", "database", "where uploaded images live: database (every instance serves them) or folder (the data dir; one instance only)", func(c *Config, v string) error {
			if v != "database" && v != "folder" {
				return errors.New("want database or folder")
			}
			c.ImageStore = v
			return nil
		}},
	}
}

func durationSetter(field func(*Config) *time.Duration, min time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < min {
			return fmt.Errorf("want a duration like 10m or 30s, at least %s", min)
		}
		*field(c) = d
		return nil
	}
}

func floatSetter(field func(*Config) *float64, lo, hi float64) func(*Config, string) error {
	return func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= lo && f <= hi) {
			return fmt.Errorf("want a number from %g to %g", lo, hi)
		}
		*field(c) = f
		return nil
	}
}

func boolSetter(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("want true or false (or 1 or 0)")
		}
		*field(c) = b
		return nil
	}
}

// flagValue adapts a setting to flag.Value.
type flagValue struct {
	c   *Config
	s   setting
	cur string
}

func (f *flagValue) String() string { return f.cur }
func (f *flagValue) Set(v string) error {
	if err := f.s.set(f.c, v); err != nil {
		return err
	}
	f.cur = v
	return nil
}

// IsBoolFlag lets --demo stand alone.
func (f *flagValue) IsBoolFlag() bool { return f.s.flag == "demo" }

// loadConfig reads the defaults, then the environment, then the flags. An
// invalid value is one line naming its variable or flag.
func loadConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("illuwa "+name, flag.ContinueOnError)
	for _, s := range settings() {
		if err := s.set(&c, s.def); err != nil {
			return c, fmt.Errorf("default of %s: %w", s.env, err)
		}
		cur := s.def
		if v := getenv(s.env); v != "" {
			if err := s.set(&c, v); err != nil {
				return c, fmt.Errorf("invalid %s=%q: %w", s.env, v, err)
			}
			cur = v
		}
		fs.Var(&flagValue{c: &c, s: s, cur: cur}, s.flag, s.usage)
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
	if c.PaymentsURL != "" && c.PaymentsKey == "" {
		return c, errors.New("invalid ILLUWA_PAYMENTS_SECRET_KEY: required when ILLUWA_PAYMENTS_URL is set")
	}
	return c, nil
}

func usage(w io.Writer, name string) {
	fmt.Fprintf(w, "usage: illuwa %s [flags]\n\nEvery setting is an environment variable or a flag (the flag wins):\n\n", name)
	for _, s := range settings() {
		def := s.def
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(w, "  %-28s --%-20s default %s\n      %s\n", s.env, s.flag, def, s.usage)
	}
}

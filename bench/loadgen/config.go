package loadgen

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Modes of a run (Config.Mode).
const (
	ModeMap    = "map"    // movers send locations, watchers receive them
	ModeIdle   = "idle"   // idle watcher connections; server memory per connection
	ModeNearby = "nearby" // HTTP clients hammer GET /api/v1/pochas/nearby
)

// Config is one load run. The zero value is not usable: start from
// DefaultConfig (or bind the fields with Flags, which sets the defaults).
type Config struct {
	URL           string        // server base URL
	MetricsURL    string        // base URL of the server's /metrics (its ILLUWA_METRICS_ADDR); empty: URL
	Mode          string        // ModeMap, ModeIdle or ModeNearby
	Owners        int           // owner accounts that own the stalls
	Stalls        int           // open stalls spread uniformly over Area
	Movers        int           // stalls that move (the first Movers stalls), one WebSocket each
	Rate          float64       // total location updates per second over all movers
	Watchers      int           // WebSocket watchers, centres uniform over Area
	RadiusM       float64       // watch radius in metres
	Duration      time.Duration // measured time, after Warmup
	Warmup        time.Duration // map and nearby: load before measuring starts; idle: how long the server is sampled before and after connecting
	Drain         time.Duration // wait for late deliveries after the senders stop (lost after 2 s)
	IdleConns     int           // idle mode: watcher connections to open
	IdleWatch     bool          // idle mode: each idle connection also watches RadiusM
	IdleHold      time.Duration // idle mode: after sampling, hold the connections this long, reopening (and re-watching) any that drop
	NearbyClients int           // nearby mode: concurrent HTTP clients
	MaxSpeedKMH   float64       // the server's speed limit for stalls (ILLUWA_MAX_SPEED_KMH)
	Dialers       int           // concurrent WebSocket dials and setup requests
	SourceAddrs   int           // WebSocket connections are dialled from 127.0.0.2 … 127.0.0.(SourceAddrs+1) in turn; 0: the system's choice
	SetupOnly     bool          // create (or reuse) accounts and stalls, then stop
	Reuse         bool          // reuse the accounts and stalls in StatePath when it matches
	StatePath     string        // state file
	AccountPrefix string        // login ids are AccountPrefix + ".owner" + number
	AdminLogin    string        // an admin's login id: setup approves, as that admin, the owners it signed up that are still pending
	AdminPassword string        // that admin's password; the command reads it from AdminPasswordEnv, never from a flag
	Seed          uint64        // random seed (positions, walks)
	JSON          bool          // print the Result as JSON instead of a table
	CPUProfile    string        // write the load tool's own CPU profile of the run here (go tool pprof)
	Procs         int           // GOMAXPROCS while the run lasts; 0: leave it
	Area          Area          // where stalls and watchers are placed
}

// AdminPasswordEnv is the environment variable "illuwa loadgen" reads the
// password of --admin-login from (a flag would show it in ps).
const AdminPasswordEnv = "ILLUWA_LOADGEN_ADMIN_PASSWORD"

// DefaultConfig returns the documented defaults: 10 owners, 10,000 stalls
// over Seoul, 1,000 movers at 4,000 updates/s, 1,000 watchers of 1 km,
// 30 s measured after 5 s of warm-up, against http://127.0.0.1:8080.
func DefaultConfig() Config {
	return Config{
		URL: "http://127.0.0.1:8080", Mode: ModeMap,
		Owners: 10, Stalls: 10000, Movers: 1000, Rate: 4000, Watchers: 1000, RadiusM: 1000,
		Duration: 30 * time.Second, Warmup: 5 * time.Second, Drain: 2500 * time.Millisecond,
		IdleConns: 10000, IdleWatch: true, NearbyClients: 50, MaxSpeedKMH: 120, Dialers: 64, Procs: 1,
		StatePath:     filepath.Join(os.TempDir(), "illuwa-loadgen-state.json"),
		AccountPrefix: "loadgen", Seed: 1, Area: Seoul,
	}
}

// Flags binds every setting to fs with DefaultConfig's values as defaults
// (overwriting c). Area is not a flag.
func (c *Config) Flags(fs *flag.FlagSet) {
	d := DefaultConfig()
	*c = d
	fs.StringVar(&c.URL, "url", d.URL, "server base URL")
	fs.StringVar(&c.MetricsURL, "metrics-url", d.MetricsURL, "base URL of the server's /metrics listener (ILLUWA_METRICS_ADDR, e.g. http://127.0.0.1:9090); empty: --url")
	fs.StringVar(&c.Mode, "mode", d.Mode, "map | idle | nearby")
	fs.IntVar(&c.Owners, "owners", d.Owners, "owner accounts (each owns many stalls)")
	fs.IntVar(&c.Stalls, "stalls", d.Stalls, "open stalls spread over Seoul")
	fs.IntVar(&c.Movers, "movers", d.Movers, "stalls that move, one WebSocket each")
	fs.Float64Var(&c.Rate, "rate", d.Rate, "total location updates per second")
	fs.IntVar(&c.Watchers, "watchers", d.Watchers, "WebSocket watchers")
	fs.Float64Var(&c.RadiusM, "radius", d.RadiusM, "watch radius in metres")
	fs.DurationVar(&c.Duration, "duration", d.Duration, "measured duration (after warm-up)")
	fs.DurationVar(&c.Warmup, "warmup", d.Warmup, "warm-up before measuring (idle mode: sampling time before and after connecting; 130s spans a forced GC)")
	fs.DurationVar(&c.Drain, "drain", d.Drain, "wait for deliveries after the senders stop")
	fs.IntVar(&c.IdleConns, "idle-conns", d.IdleConns, "idle mode: watcher connections")
	fs.BoolVar(&c.IdleWatch, "idle-watch", d.IdleWatch, "idle mode: each idle connection watches --radius")
	fs.DurationVar(&c.IdleHold, "idle-hold", d.IdleHold, "idle mode: after sampling, hold the connections this long and reconnect dropped ones (restart the server meanwhile to measure a mass reconnect)")
	fs.IntVar(&c.NearbyClients, "nearby-clients", d.NearbyClients, "nearby mode: concurrent HTTP clients")
	fs.Float64Var(&c.MaxSpeedKMH, "max-speed-kmh", d.MaxSpeedKMH, "the server's speed limit (ILLUWA_MAX_SPEED_KMH)")
	fs.IntVar(&c.Dialers, "dialers", d.Dialers, "concurrent dials and setup requests")
	fs.IntVar(&c.SourceAddrs, "source-addrs", d.SourceAddrs, "dial WebSockets from 127.0.0.2 … 127.0.0.(N+1) in turn, past one address's ephemeral ports (loopback servers only; 0: the system's choice)")
	fs.BoolVar(&c.SetupOnly, "setup-only", d.SetupOnly, "create accounts and stalls, then stop")
	fs.BoolVar(&c.Reuse, "reuse", d.Reuse, "reuse accounts and stalls from --state when it matches")
	fs.StringVar(&c.StatePath, "state", d.StatePath, "state file of created accounts and stalls")
	fs.StringVar(&c.AccountPrefix, "account-prefix", d.AccountPrefix, "prefix of owner login ids")
	fs.StringVar(&c.AdminLogin, "admin-login", d.AdminLogin, "login id of an admin (illuwa user create --role admin) as whom setup approves its pending owners; password in "+AdminPasswordEnv)
	fs.Uint64Var(&c.Seed, "seed", d.Seed, "random seed")
	fs.BoolVar(&c.JSON, "json", d.JSON, "print the result as JSON")
	fs.IntVar(&c.Procs, "procs", d.Procs, "threads running the load tool's Go code at once (GOMAXPROCS) while it runs; 1 leaves the other cores to a server on the same machine (with 2 the tool's goroutines hop between threads and it took about a quarter more CPU per update or request); 0: Go's default, one per core")
	fs.StringVar(&c.CPUProfile, "cpuprofile", d.CPUProfile, "write the load tool's own CPU profile of the run to this file (go tool pprof), to tell its cost from the server's")
}

// metricsURL is where the server's /metrics is served.
func (c *Config) metricsURL() string {
	if c.MetricsURL != "" {
		return c.MetricsURL
	}
	return c.URL
}

// validate checks the settings of the selected mode.
func (c *Config) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("loadgen: "+format, args...)
	}
	if c.URL == "" {
		return bad("--url is required")
	}
	if c.Dialers < 1 {
		return bad("--dialers must be at least 1")
	}
	if c.Procs < 0 {
		return bad("--procs must be 0 (Go's default) or more")
	}
	if c.SourceAddrs < 0 || c.SourceAddrs > 250 {
		return bad("--source-addrs must be 0..250")
	}
	if c.AdminLogin != "" && c.AdminPassword == "" {
		return bad("--admin-login %s needs the admin's password in %s", c.AdminLogin, AdminPasswordEnv)
	}
	if !(c.RadiusM >= 1 && c.RadiusM <= 5000) {
		return bad("--radius must be 1..5000 m")
	}
	switch c.Mode {
	case ModeMap:
		if c.Owners < 1 || c.Stalls < 1 {
			return bad("--owners and --stalls must be at least 1")
		}
		if c.Movers < 0 || c.Movers > c.Stalls {
			return bad("--movers must be 0..--stalls")
		}
		if c.Movers > 0 && !(c.Rate > 0) {
			return bad("--rate must be positive")
		}
		if c.Watchers < 0 || c.Duration <= 0 || c.Warmup < 0 || c.Drain < 0 {
			return bad("--watchers, --duration, --warmup and --drain must not be negative (duration > 0)")
		}
		if !(c.MaxSpeedKMH > 0) {
			return bad("--max-speed-kmh must be positive")
		}
	case ModeIdle:
		if c.IdleConns < 1 {
			return bad("--idle-conns must be at least 1")
		}
		if c.IdleHold < 0 {
			return bad("--idle-hold must not be negative")
		}
	case ModeNearby:
		if c.NearbyClients < 1 || c.Duration <= 0 || c.Warmup < 0 {
			return bad("--nearby-clients must be at least 1 and --duration positive")
		}
	default:
		return bad("unknown --mode %q (map, idle or nearby)", c.Mode)
	}
	return nil
}

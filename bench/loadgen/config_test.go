package loadgen

import (
	"flag"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestFlagsDefaultsAndOverrides(t *testing.T) {
	var cfg Config
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.Flags(fs)
	if err := fs.Parse([]string{"--rate", "12000", "--mode", "nearby", "--duration", "10s", "--idle-watch=false"}); err != nil {
		t.Fatal(err)
	}
	d := DefaultConfig()
	if cfg.Rate != 12000 || cfg.Mode != ModeNearby || cfg.Duration != 10*time.Second || cfg.IdleWatch {
		t.Errorf("overrides not applied: %+v", cfg)
	}
	if cfg.Stalls != d.Stalls || cfg.Movers != d.Movers || cfg.Watchers != d.Watchers || cfg.Area != Seoul || cfg.URL != d.URL {
		t.Errorf("defaults not kept: %+v", cfg)
	}
	if err := cfg.validate(); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}

func TestValidateRefuses(t *testing.T) {
	cases := []struct {
		name string
		mut  func(*Config)
		want string
	}{
		{"unknown_mode", func(c *Config) { c.Mode = "storm" }, "unknown --mode"},
		{"movers_over_stalls", func(c *Config) { c.Movers = c.Stalls + 1 }, "--movers"},
		{"zero_rate", func(c *Config) { c.Rate = 0 }, "--rate"},
		{"radius", func(c *Config) { c.RadiusM = 6000 }, "--radius"},
		{"idle_conns", func(c *Config) { c.Mode, c.IdleConns = ModeIdle, 0 }, "--idle-conns"},
		{"nearby_clients", func(c *Config) { c.Mode, c.NearbyClients = ModeNearby, 0 }, "--nearby-clients"},
		{"procs", func(c *Config) { c.Procs = -1 }, "--procs"},
		{"admin_without_password", func(c *Config) { c.AdminLogin = "boss" }, AdminPasswordEnv},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.mut(&cfg)
			err := cfg.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validate = %v, want an error about %s", err, tc.want)
			}
		})
	}
}

func TestMetricsURLDefaultsToURL(t *testing.T) {
	cfg := DefaultConfig()
	if cfg.metricsURL() != cfg.URL {
		t.Errorf("metricsURL = %q, want --url %q", cfg.metricsURL(), cfg.URL)
	}
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.Flags(fs)
	if err := fs.Parse([]string{"--metrics-url", "http://127.0.0.1:9090"}); err != nil {
		t.Fatal(err)
	}
	if cfg.metricsURL() != "http://127.0.0.1:9090" {
		t.Errorf("metricsURL = %q, want the --metrics-url", cfg.metricsURL())
	}
}

func TestWithProcs(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	restore := withProcs(before + 1)
	if p := runtime.GOMAXPROCS(0); p != before+1 {
		t.Errorf("GOMAXPROCS %d under withProcs(%d)", p, before+1)
	}
	restore()
	if p := runtime.GOMAXPROCS(0); p != before {
		t.Errorf("GOMAXPROCS %d after restore, want %d", p, before)
	}
	withProcs(0)()
	if p := runtime.GOMAXPROCS(0); p != before {
		t.Errorf("withProcs(0) changed GOMAXPROCS to %d", p)
	}
}

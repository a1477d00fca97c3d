// Package app is the illuwa program: its subcommands, its configuration and
// the wiring of every part (store, geo index, WebSocket hub, broker, HTTP
// API, web app). main calls Run; tests call Run too, on port 0.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Version is stamped into the binary by main.
var Version = "dev"

// Run executes the illuwa command line args (without the program name).
// Logs and command output go to stdout, usage and errors to stderr; getenv
// supplies the environment. It returns when the command is done or ctx ends.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		cfg, err := loadConfig("serve", args, getenv, stderr)
		if err != nil {
			return quietHelp(err)
		}
		return serve(ctx, cfg, stdout)
	case "migrate":
		return migrate(ctx, args, getenv, stdout, stderr)
	case "user":
		return userCmd(ctx, args, getenv, stdout, stderr)
	case "loadgen":
		return loadgenCmd(ctx, args, getenv, stdout, stderr)
	case "pos-bridge":
		return posBridgeCmd(ctx, args, getenv, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, getenv)
	case "version":
		fmt.Fprintln(stdout, "illuwa", Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, topUsage)
		return nil
	}
	fmt.Fprint(stderr, topUsage)
	return fmt.Errorf("unknown command %q", cmd)
}

const topUsage = `usage: illuwa <command> [flags]

commands:
  serve        run the server (the default); illuwa serve --help lists every setting
  migrate      up | down | status: manage the database schema
  user create  make an account (the only way to make an admin)
  loadgen      drive a running server with simulated owners and watchers
  pos-bridge   connect a POS box on a serial port to a server (--port, --server, ILLUWA_POS_TOKEN)
  healthcheck  exit 0 when the local server answers /healthz (for containers)
  version      print the version
`

// ErrHelp is returned after --help was printed, so main exits 0.
var ErrHelp = flag.ErrHelp

func quietHelp(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return ErrHelp
	}
	return err
}

// healthcheck asks the local server's /healthz, for container health checks.
func healthcheck(ctx context.Context, getenv func(string) string) error {
	addr := getenv("ILLUWA_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid ILLUWA_ADDR=%q: %w", addr, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+"/healthz", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: status %d", res.StatusCode)
	}
	return nil
}

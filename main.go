// Command illuwa is the real-time location and ordering engine for Korean
// street-food stalls: one binary with subcommands (serve, migrate, user,
// loadgen, healthcheck, version). Run `illuwa help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/illuwa/illuwa/handlers/app"
)

// version is stamped at build time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, app.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "illuwa:", err)
		os.Exit(1)
	}
}

// run is the whole program; tests start it through app.Run on port 0.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	app.Version = version
	return app.Run(ctx, args, getenv, stdout, stderr)
}

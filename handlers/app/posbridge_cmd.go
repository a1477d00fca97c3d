package app

import (
	"context"
	"flag"
	"io"
	"log/slog"

	"github.com/illuwa/illuwa/hardware/bridge"
)

// posBridgeCmd runs the POS bridge beside a box: illuwa pos-bridge --help
// lists the flags. It talks to the server over the wire only.
func posBridgeCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg bridge.Config
	fs := flag.NewFlagSet("illuwa pos-bridge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	token := cfg.Flags(fs, getenv)
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	pair := fs.String("pair", "", "pair with the stall: the code from the owner console; the device token is kept in --state-dir")
	if err := fs.Parse(args); err != nil {
		return quietHelp(err)
	}
	cfg.Name = "illuwa-bridge/" + Version
	// Credentials: a new pairing, else an earlier one, else ILLUWA_POS_TOKEN.
	cfg.Credentials = bridge.StaticToken(*token)
	if *pair != "" {
		pid, err := bridge.Pair(ctx, cfg.Server, cfg.StateDir, *pair, cfg.Name)
		if err != nil {
			return err
		}
		if cfg.PochaID == 0 {
			cfg.PochaID = pid
		}
	}
	if ft, ok := bridge.StoredToken(cfg.StateDir); ok && (*pair != "" || *token == "") {
		cfg.Credentials = ft
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return err
	}
	b, err := bridge.New(cfg, slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: level})))
	if err != nil {
		return err
	}
	return b.Run(ctx)
}

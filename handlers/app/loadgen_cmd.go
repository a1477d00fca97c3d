package app

import (
	"context"
	"flag"
	"io"

	"github.com/illuwa/illuwa/bench/loadgen"
)

// loadgenCmd drives a running server: illuwa loadgen --help lists the flags.
// The password of --admin-login comes from ILLUWA_LOADGEN_ADMIN_PASSWORD.
func loadgenCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg loadgen.Config
	fs := flag.NewFlagSet("illuwa loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return quietHelp(err)
	}
	cfg.AdminPassword = getenv(loadgen.AdminPasswordEnv)
	return loadgen.Run(ctx, cfg, stdout)
}

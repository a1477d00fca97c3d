package loadgen

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
)

// Run executes one load run described by cfg and writes its Result to out
// (a table, or JSON when cfg.JSON). Progress lines go to out as well, or to
// standard error when cfg.JSON so that out holds only the JSON document.
// With cfg.SetupOnly it only prepares accounts and stalls (map and nearby
// modes) and writes nothing but progress. Run returns when the run is over
// or ctx is cancelled; every connection it opened is closed by then.
func Run(ctx context.Context, cfg Config, out io.Writer) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	logw := out
	if cfg.JSON {
		logw = os.Stderr
	}
	defer withProcs(cfg.Procs)()
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return fmt.Errorf("loadgen: --cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("loadgen: --cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var (
		res *Result
		err error
	)
	switch cfg.Mode {
	case ModeMap:
		res, err = runMap(ctx, &cfg, logw)
	case ModeIdle:
		res, err = runIdle(ctx, &cfg, logw)
	case ModeNearby:
		res, err = runNearby(ctx, &cfg, logw)
	}
	if err != nil {
		return err
	}
	if res == nil {
		fmt.Fprintf(logw, "setup done; state in %s\n", cfg.StatePath)
		return nil
	}
	return res.Write(out, cfg.JSON)
}

// withProcs sets GOMAXPROCS to n (n > 0; 0 leaves it) and returns what
// puts the old value back.
func withProcs(n int) (restore func()) {
	if n <= 0 {
		return func() {}
	}
	old := runtime.GOMAXPROCS(n)
	return func() { runtime.GOMAXPROCS(old) }
}

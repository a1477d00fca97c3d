package geo

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// runScripts runs script once per call in one pipeline (on Redis Cluster,
// one per master, in parallel) and returns the commands in call order, each
// with its own reply or error. A call's args are its numKeys keys, then its
// arguments. Calls that Redis refused with NOSCRIPT (a node that has not
// seen the script yet, such as a replica just promoted) are sent again with
// the script's source.
func runScripts(ctx context.Context, client redis.UniversalClient, script sourcedScript, numKeys int, calls [][]any) []*redis.Cmd {
	cmds := make([]*redis.Cmd, len(calls))
	send := func(verb string, body any, which []int) {
		pipe := client.Pipeline()
		for _, i := range which {
			args := make([]any, 0, 3+len(calls[i]))
			args = append(append(args, verb, body, numKeys), calls[i]...)
			cmds[i] = pipe.Do(ctx, args...)
		}
		_, _ = pipe.Exec(ctx) // each command carries its own error
	}
	all := make([]int, len(calls))
	for i := range all {
		all[i] = i
	}
	send("evalsha", script.Hash(), all)
	var retry []int
	for i, c := range cmds {
		if c.Err() != nil && redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
			retry = append(retry, i)
		}
	}
	if len(retry) > 0 {
		send("eval", script.src, retry)
	}
	return cmds
}

// sourcedScript is a script with its source, which a pipeline needs to
// fall back to EVAL.
type sourcedScript struct {
	*redis.Script
	src string
}

func newSourcedScript(src string) sourcedScript {
	return sourcedScript{Script: redis.NewScript(src), src: src}
}

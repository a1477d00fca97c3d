package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/illuwa/illuwa/handlers/accounts"
)

// fleet is what a map run drives: owner tokens and open stalls.
type fleet struct {
	state    *State
	tokens   []string    // per owner
	ids      []uint64    // per owner: the user id
	openedAt []time.Time // per stall: when it was (re)opened at its position
}

// ownerSignup is the signup of owner i: deterministic names so that a run
// without a state file logs in to accounts an earlier run created.
func ownerSignup(prefix string, i int) accounts.NewUser {
	id := fmt.Sprintf("%s.owner%04d", prefix, i)
	return accounts.NewUser{
		LoginID: id, Password: "loadgen-" + id, Nickname: fmt.Sprintf("load owner %d", i),
		Email: id + "@example.com", Phone: fmt.Sprintf("010-%04d-%04d", 9000+i/10000, i%10000), Role: "owner",
		BusinessNumber: businessNumber(i),
	}
}

// prepareFleet reuses the stalls of the state file when allowed and
// matching, and otherwise creates owners and stalls; with cfg.AdminLogin it
// approves the owners that still wait for an admin; either way every stall
// is opened at its position and the state file is written.
func prepareFleet(ctx context.Context, cfg *Config, api *apiClient, logw io.Writer) (*fleet, error) {
	var st *State
	if cfg.Reuse {
		s, err := loadState(cfg.StatePath)
		if err != nil {
			return nil, err
		}
		if s.usable(cfg.URL, cfg.Stalls) {
			st = s
			fmt.Fprintf(logw, "reusing %d stalls and %d owners from %s\n", len(s.Stalls), len(s.Owners), cfg.StatePath)
		}
	}
	fresh := st == nil
	if fresh {
		st = &State{URL: cfg.URL}
		for i := 0; i < cfg.Owners; i++ {
			s := ownerSignup(cfg.AccountPrefix, i)
			st.Owners = append(st.Owners, OwnerState{LoginID: s.LoginID, Password: s.Password})
		}
	}
	f := &fleet{state: st, tokens: make([]string, len(st.Owners)), ids: make([]uint64, len(st.Owners))}
	start := time.Now()
	// Password hashing is deliberately slow: a few logins at a time.
	err := forEach(ctx, len(st.Owners), 4, func(ctx context.Context, i int) error {
		var (
			sess loginResponse
			err  error
		)
		if fresh {
			sess, err = api.signupOrLogin(ctx, ownerSignup(cfg.AccountPrefix, i))
		} else {
			sess, err = api.login(ctx, loginRequest(st.Owners[i]))
		}
		f.tokens[i], f.ids[i] = sess.Token, sess.User.ID
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("loadgen: owners: %w", err)
	}
	if cfg.AdminLogin != "" {
		if err := approveOwners(ctx, cfg, api, st, f.ids, logw); err != nil {
			return nil, err
		}
	}
	if fresh {
		rng := rand.New(rand.NewPCG(cfg.Seed, 0x57a11))
		st.Stalls = make([]StallState, cfg.Stalls)
		for i := range st.Stalls {
			st.Stalls[i] = StallState{Owner: i % len(st.Owners), Point: cfg.Area.Random(rng)}
		}
	}
	st.Stalls = st.Stalls[:cfg.Stalls]
	f.openedAt = make([]time.Time, len(st.Stalls))
	var done atomic.Int64
	open := func(ctx context.Context, i int) error {
		s := &st.Stalls[i]
		tok := f.tokens[s.Owner]
		if s.ID == 0 {
			id, err := api.createPocha(ctx, tok, fmt.Sprintf("load stall %d", i))
			if err != nil {
				return err
			}
			s.ID = id
		}
		if err := api.openPocha(ctx, tok, s.ID, s.Point); err != nil {
			if problemCode(err, "owner_not_approved") {
				return &notApprovedError{cfg: cfg, logins: []string{st.Owners[s.Owner].LoginID}}
			}
			return err
		}
		f.openedAt[i] = time.Now()
		if n := done.Add(1); n%2000 == 0 {
			fmt.Fprintf(logw, "  %d/%d stalls open\n", n, len(st.Stalls))
		}
		return nil
	}
	// Each owner's first stall first: an owner no admin approved stops
	// the setup before it makes the other stalls, naming every such owner.
	first, rest := firstStalls(st)
	var (
		mu      sync.Mutex
		waiting []string
	)
	err = forEach(ctx, len(first), cfg.Dialers, func(ctx context.Context, k int) error {
		err := open(ctx, first[k])
		var na *notApprovedError
		if errors.As(err, &na) {
			mu.Lock()
			waiting = append(waiting, na.logins...)
			mu.Unlock()
			return nil
		}
		return err
	})
	if err == nil && len(waiting) > 0 {
		sort.Strings(waiting)
		err = &notApprovedError{cfg: cfg, logins: waiting}
	}
	if err == nil {
		err = forEach(ctx, len(rest), cfg.Dialers, func(ctx context.Context, k int) error { return open(ctx, rest[k]) })
	}
	if err != nil {
		if fresh {
			// Keep what was created so that a retry with --reuse could
			// at least log in; stalls without ids are recreated.
			_ = saveState(cfg.StatePath, st)
		}
		var na *notApprovedError
		if errors.As(err, &na) {
			return nil, err
		}
		return nil, fmt.Errorf("loadgen: stalls: %w", err)
	}
	fmt.Fprintf(logw, "%d stalls of %d owners open in %s\n", len(st.Stalls), len(st.Owners), time.Since(start).Round(time.Millisecond))
	if err := saveState(cfg.StatePath, st); err != nil {
		return nil, err
	}
	return f, nil
}

// firstStalls splits the stalls into the first of each owner and the rest
// (indexes into st.Stalls).
func firstStalls(st *State) (first, rest []int) {
	seen := make(map[int]bool, len(st.Owners))
	for i, s := range st.Stalls {
		if seen[s.Owner] {
			rest = append(rest, i)
		} else {
			seen[s.Owner] = true
			first = append(first, i)
		}
	}
	return first, rest
}

// forEach runs fn(i) for i in [0, n) on at most workers goroutines. The
// first error cancels the rest and is returned.
func forEach(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	if workers > n {
		workers = n
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		// the parent context was cancelled
		return context.Cause(ctx)
	}
	return firstErr
}

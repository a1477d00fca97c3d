package accounts

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// TestNoLockoutByStrangers: failed logins from many addresses cannot lock
// the owner of an account out. Each address keeps its own small budget; past
// the account's softer budget every attempt on the account waits a step-up
// delay first, which the owner with the right password pays too, but then
// gets in.
func TestNoLockoutByStrangers(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, st, Options{LoginFailures: 3, AccountFailures: 6})
		var mu sync.Mutex
		var delays []time.Duration
		f.svc.sleep = func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			delays = append(delays, d)
			return ctx.Err()
		}
		f.signUpLogin(t, "target")
		// 10 addresses, 3 wrong guesses each: 30 failures on one account.
		for a := range 10 {
			for g := range 3 {
				_, err := f.svc.Login(ctx, fmt.Sprintf("198.51.100.%d", a), Credentials{LoginID: "target", Password: fmt.Sprintf("guess-%d-%d", a, g)})
				if !errors.Is(err, ErrInvalidCredentials) {
					t.Fatalf("guess %d from address %d: %v", g, a, err)
				}
			}
			// The address's budget is spent, for this and every other account.
			_, err := f.svc.Login(ctx, fmt.Sprintf("198.51.100.%d", a), Credentials{LoginID: "target", Password: "correct horse"})
			wantTooMany(t, err)
		}
		mu.Lock()
		stepped := len(delays)
		mu.Unlock()
		if stepped != 30-6 {
			t.Fatalf("%d attempts were stepped up, want the %d past the account's budget of 6", stepped, 30-6)
		}
		for _, d := range delays {
			if d <= 0 {
				t.Fatalf("step-up delay %v", d)
			}
		}
		// The owner, from an address of their own, gets in (after the delay).
		if _, err := f.svc.Login(ctx, "203.0.113.7", Credentials{LoginID: "target", Password: "correct horse"}); err != nil {
			t.Fatalf("the right password during the attack: %v", err)
		}
		// A cancelled wait is no guess and no login.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := f.svc.Login(cctx, "203.0.113.8", Credentials{LoginID: "target", Password: "correct horse"}); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled during the step-up: %v", err)
		}
	})
}

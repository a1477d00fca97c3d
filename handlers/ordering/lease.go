package ordering

import (
	"context"
	"log/slog"
	"time"

	"github.com/illuwa/illuwa/store"
)

// Reconciler tuning. A claim keeps other instances off a payment while one
// looks it up; it outlives the lookup (bounded by PaymentTimeout), so a
// worker that died mid-lookup only delays the next one by that much.
const (
	// reconcileTick is how often Run looks for payments due for a lookup
	// (at most; a shorter WorkerInterval wins).
	reconcileTick = time.Second
	// lookupBackoffMin and lookupBackoffMax bound the wait between lookups
	// that settled nothing: 2 s, 4 s, 8 s, ... at most 1 minute.
	lookupBackoffMin = 2 * time.Second
	lookupBackoffMax = time.Minute
)

// lookupBackoff is the wait after the n-th lookup of a payment settled nothing.
func lookupBackoff(n int) time.Duration {
	d := lookupBackoffMin
	for i := 1; i < n && d < lookupBackoffMax; i++ {
		d *= 2
	}
	return min(d, lookupBackoffMax)
}

// Hook points: a test may stop a confirm at one of them (Options.Hook) the
// way a killed process stops, to prove what the rest of the system makes of
// the half-done work.
const (
	HookBeforeGateway = "before-gateway" // the payment is claimed (pending); nothing was sent to the gateway
	HookAfterSettle   = "after-settle"   // the order is paid in the database; nothing was pushed
)

// hook runs the test hook at point, if any.
func (s *Service) hook(point string, orderID uint64) {
	if s.opts.Hook != nil {
		s.opts.Hook(point, orderID)
	}
}

// holdLease renews the lease of the order's pending payment (attempt) every
// ConfirmLease/3 until the returned stop is called: while this instance lives
// and its confirm runs, the reconciler leaves the payment alone; once it
// dies, the lease runs out within store.ConfirmLease.
func (s *Service) holdLease(orderID uint64, attempt int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(store.ConfirmLease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if _, err := s.store.RenewPaymentLease(ctx, orderID, attempt, time.Now().Add(store.ConfirmLease)); err != nil && ctx.Err() == nil {
				s.log.Warn("renew payment lease", slog.Uint64("order_id", orderID), slog.String("error", err.Error()))
			}
		}
	}()
	return func() { cancel(); <-done }
}

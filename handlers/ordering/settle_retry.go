package ordering

import (
	"context"
	"errors"
	"time"

	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/store"
)

// settleBackoff is the wait before each retry of a settlement the database
// did not take: about 1.5 s in all, inside the confirm request.
var settleBackoff = []time.Duration{100 * time.Millisecond, 300 * time.Millisecond, 1100 * time.Millisecond}

// gatewayMatches reports whether tp is a DONE payment of order o for its
// total.
func gatewayMatches(o store.Order, tp *toss.Payment) bool {
	return tp != nil && tp.Status == toss.StatusDone && tp.OrderID == GatewayOrderID(o.ID) && tp.TotalAmount == o.Total
}

// settleRetrying is store.SettlePayment, retried while the database is
// unavailable (a blip: a restart, a dropped connection), so an approved
// payment is recorded in the request rather than minutes later by the
// reconciler. Settling is idempotent, so a retry after a write that did
// commit changes nothing.
func (s *Service) settleRetrying(ctx context.Context, orderID uint64, a store.ApprovedPayment) (store.Order, bool, error) {
	out, paidNow, err := s.store.SettlePayment(ctx, orderID, a)
	for _, wait := range settleBackoff {
		if !errors.Is(err, store.ErrUnavailable) {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return out, paidNow, err
		}
		out, paidNow, err = s.store.SettlePayment(ctx, orderID, a)
	}
	return out, paidNow, err
}

package ordering

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/store"
)

// Worker tuning. A claim (lease) keeps other instances off a row while one
// works on it; a crashed worker's claim simply runs out.
const (
	workerBatch     = 50
	refundLease     = time.Minute
	maxRetryBackoff = 10 * time.Minute
	// maxCancelReasonBytes is the longest cancel reason the gateway takes.
	maxCancelReasonBytes = 200
)

// Run runs the background work of orders and payments every
// Options.WorkerInterval until ctx ends: cancelling paid orders not accepted
// within Options.AcceptTimeout and unpaid orders older than
// Options.UnpaidTTL and sending queued refunds to the gateway; and every
// second (or WorkerInterval, if shorter) looking up the payments whose
// outcome is unknown or whose confirm's lease ran out. Several instances may run it at
// once: every row is claimed with a conditional update before it is worked on.
// It returns when ctx is done.
func (s *Service) Run(ctx context.Context) {
	tick := min(s.opts.WorkerInterval, reconcileTick)
	t := time.NewTicker(tick)
	defer t.Stop()
	var last time.Time
	for {
		now := s.now()
		if now.Sub(last) >= s.opts.WorkerInterval-tick/2 {
			last = now
			s.ExpireUnaccepted(ctx, now)
			s.ExpireUnpaid(ctx, now)
			s.ProcessRefunds(ctx, now)
			s.RepushUnacknowledged(ctx, now)
		}
		s.Reconcile(ctx, now)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Re-pushing paid orders nobody acknowledged: an instance that died after
// an order became paid and before it pushed order.created leaves owner
// screens on the other instances without it (a screen that reconnects gets
// it from its welcome). Every sweep pushes order.created again for the orders
// paid within repushWindow, at least repushAfter ago, that the owner has not
// acknowledged; a connection that already has one skips the repeat.
const (
	repushAfter  = 5 * time.Second
	repushWindow = 2 * time.Minute
)

// RepushUnacknowledged pushes order.created again to the owner and the POS
// devices of every order paid between repushWindow and repushAfter before
// now that its owner has not acknowledged. It returns how many it pushed.
func (s *Service) RepushUnacknowledged(ctx context.Context, now time.Time) int {
	if s.push == nil {
		return 0
	}
	orders, err := s.store.RecentUnackedOrders(ctx, now.Add(-repushWindow), now.Add(-repushAfter), workerBatch)
	if err != nil {
		s.log.ErrorContext(ctx, "unacknowledged order sweep", slog.String("error", err.Error()))
		return 0
	}
	for _, o := range orders {
		s.pushCreated(ctx, o)
	}
	return len(orders)
}

// retryBackoff is the wait before attempt n+1: 5 s doubling, at most maxRetryBackoff.
func retryBackoff(attempts int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < attempts && d < maxRetryBackoff; i++ {
		d *= 2
	}
	return min(d, maxRetryBackoff)
}

// ExpireUnaccepted cancels (and so refunds) the paid orders not accepted
// within AcceptTimeout of their payment, as of now. It returns how many it
// cancelled.
func (s *Service) ExpireUnaccepted(ctx context.Context, now time.Time) int {
	orders, err := s.store.UnacceptedOrders(ctx, now.Add(-s.opts.AcceptTimeout), workerBatch)
	if err != nil {
		s.log.ErrorContext(ctx, "accept timeout sweep", slog.String("error", err.Error()))
		return 0
	}
	n := 0
	for _, o := range orders {
		out, err := s.store.TransitionOrder(ctx, store.Transition{OrderID: o.ID, From: store.OrderPaid, To: store.OrderCancelled,
			By: store.ActorSystem, Reason: ReasonTimeout})
		if errors.Is(err, store.ErrInvalidTransition) {
			continue // accepted or cancelled meanwhile, or another instance won
		}
		if err != nil {
			s.log.ErrorContext(ctx, "accept timeout", slog.Uint64("order_id", o.ID), slog.String("error", err.Error()))
			continue
		}
		n++
		s.changed(ctx, out, changeTransition)
	}
	return n
}

// ExpireUnpaid cancels the orders still awaiting payment UnpaidTTL after
// they were placed, as of now, so abandoned checkouts do not pile up on the
// stall's board; an order with a payment in flight or of unknown outcome is
// left to that payment. It returns how many it cancelled.
func (s *Service) ExpireUnpaid(ctx context.Context, now time.Time) int {
	orders, err := s.store.UnpaidOrders(ctx, now.Add(-s.opts.UnpaidTTL), workerBatch)
	if err != nil {
		s.log.ErrorContext(ctx, "unpaid order sweep", slog.String("error", err.Error()))
		return 0
	}
	n := 0
	for _, o := range orders {
		out, err := s.store.TransitionOrder(ctx, store.Transition{OrderID: o.ID, From: store.OrderPendingPayment, To: store.OrderCancelled,
			By: store.ActorSystem, Reason: ReasonUnpaid})
		if errors.Is(err, store.ErrInvalidTransition) {
			continue // paid or cancelled meanwhile, or another instance won
		}
		if err != nil {
			s.log.ErrorContext(ctx, "unpaid order expiry", slog.Uint64("order_id", o.ID), slog.String("error", err.Error()))
			continue
		}
		n++
		s.changed(ctx, out, changeTransition)
	}
	return n
}

// ProcessRefunds sends every due refund job to the gateway, with the
// Idempotency-Key "refund-<order id>", so a retry never refunds twice. A
// gateway that does not answer is retried with backoff; a refusal other than
// "already cancelled" marks the refund failed for a person to look at. It
// returns how many refunds were completed.
func (s *Service) ProcessRefunds(ctx context.Context, now time.Time) int {
	if s.pay == nil {
		return 0
	}
	jobs, err := s.store.DueRefunds(ctx, now, workerBatch)
	if err != nil {
		s.log.ErrorContext(ctx, "refund sweep", slog.String("error", err.Error()))
		return 0
	}
	done := 0
	for _, j := range jobs {
		won, err := s.store.ClaimRefund(ctx, j.ID, now, now.Add(refundLease))
		if err != nil || !won {
			continue
		}
		if s.refundOne(ctx, j, now) {
			done++
		}
	}
	return done
}

// refundOne makes one attempt at a claimed refund job and reports whether it completed.
func (s *Service) refundOne(ctx context.Context, j store.Refund, now time.Time) bool {
	log := s.log.With(slog.Uint64("order_id", j.OrderID))
	p, err := s.store.PaymentByOrder(ctx, j.OrderID)
	if err != nil {
		log.ErrorContext(ctx, "refund: no payment record", slog.String("error", err.Error()))
		_ = s.store.RetryRefund(ctx, j.ID, now.Add(retryBackoff(j.Attempts+1)), "no payment record")
		return false
	}
	pctx, cancel := context.WithTimeout(ctx, s.opts.PaymentTimeout)
	defer cancel()
	_, err = s.pay.Cancel(pctx, "refund-"+strconv.FormatUint(j.OrderID, 10), p.PaymentKey, toss.CancelRequest{Reason: truncateBytes(j.Reason, maxCancelReasonBytes)})
	ge, isGateway := toss.AsError(err)
	switch {
	case err == nil, isGateway && ge.Code == toss.CodeAlreadyCanceledPayment:
		out, err := s.store.FinishRefund(ctx, j.OrderID, store.RefundDone, "")
		if err != nil {
			log.ErrorContext(ctx, "refund done but not recorded; it will be retried", slog.String("error", err.Error()))
			_ = s.store.RetryRefund(ctx, j.ID, now, err.Error())
			return false
		}
		s.changed(ctx, out, changeRefundDone)
		return true
	case errors.Is(err, toss.ErrRejected):
		log.ErrorContext(ctx, "refund refused by the gateway", slog.String("error", err.Error()))
		out, ferr := s.store.FinishRefund(ctx, j.OrderID, store.RefundFailed, err.Error())
		if ferr == nil {
			s.changed(ctx, out, changeRefundFailed)
		}
		return false
	default:
		log.WarnContext(ctx, "refund attempt failed; retrying", slog.Int("attempt", j.Attempts+1), slog.String("error", err.Error()))
		_ = s.store.RetryRefund(ctx, j.ID, now.Add(retryBackoff(j.Attempts+1)), err.Error())
		return false
	}
}

// Reconcile looks up, by order id, every payment whose confirm ended
// without a clear answer and every confirm whose instance stopped renewing
// its lease (store.ConfirmLease), and applies the gateway's word: DONE makes
// the order paid (once: the order row is locked and settling is idempotent);
// "nothing charged" about an unknown payment marks it failed so the customer
// may pay again; "nothing charged" about a pending one (its confirm may still
// be on its way to the gateway, from an instance cut off from the database)
// makes it unknown and is believed only at a lookup PaymentTimeout later,
// when that call has surely ended; no answer is looked up again after
// lookupBackoff. It returns how many payments it settled either way.
func (s *Service) Reconcile(ctx context.Context, now time.Time) int {
	if s.pay == nil {
		return 0
	}
	due, err := s.store.DuePayments(ctx, now, workerBatch)
	if err != nil {
		s.log.ErrorContext(ctx, "payment reconcile sweep", slog.String("error", err.Error()))
		return 0
	}
	n := 0
	for _, p := range due {
		claim := now.Add(s.opts.PaymentTimeout + 5*time.Second)
		won, err := s.store.ClaimPaymentCheck(ctx, p.ID, now, claim)
		if err != nil || !won {
			continue
		}
		p.Lookups++
		if s.reconcileOne(ctx, p, now, claim) {
			n++
		}
	}
	return n
}

// reconcileOne looks one claimed payment up. Whatever it decides moves the
// payment only if it is still as claimed: a confirm that resumed it (or
// renewed its lease) meanwhile makes the answer stale.
func (s *Service) reconcileOne(ctx context.Context, p store.Payment, now, claim time.Time) bool {
	log := s.log.With(slog.Uint64("order_id", p.OrderID))
	later := func(next time.Time, toUnknown bool) {
		if _, err := s.store.RetryPaymentCheck(ctx, p.OrderID, claim, next, toUnknown); err != nil {
			log.WarnContext(ctx, "reconcile: reschedule", slog.String("error", err.Error()))
		}
	}
	nothingCharged := func() bool {
		if p.Status == store.PaymentPending {
			// The confirm's instance went quiet; its gateway call may still
			// land. Believe "nothing" only once that call has surely ended.
			later(now.Add(s.opts.PaymentTimeout), true)
			return false
		}
		_, err := s.store.MarkPaymentFailed(ctx, p.OrderID, claim)
		return err == nil
	}
	pctx, cancel := context.WithTimeout(ctx, s.opts.PaymentTimeout)
	defer cancel()
	tp, err := s.pay.PaymentByOrderID(pctx, GatewayOrderID(p.OrderID))
	if ge, ok := toss.AsError(err); ok && ge.Code == toss.CodeNotFoundPayment {
		return nothingCharged()
	}
	if err != nil {
		log.WarnContext(ctx, "payment lookup failed; retrying later", slog.Int("lookups", p.Lookups), slog.String("error", err.Error()))
		later(now.Add(lookupBackoff(p.Lookups)), false)
		return false
	}
	o, err := s.store.OrderByID(ctx, p.OrderID)
	if err != nil {
		log.ErrorContext(ctx, "reconcile: order", slog.String("error", err.Error()))
		later(now.Add(lookupBackoff(p.Lookups)), false)
		return false
	}
	switch tp.Status {
	case toss.StatusDone:
		if _, ok := s.applyGatewayPayment(ctx, o, tp); !ok {
			log.ErrorContext(ctx, "reconcile: approved payment not applied (mismatch or database)")
			later(now.Add(lookupBackoff(p.Lookups)), false)
			return false
		}
		return true
	case toss.StatusReady, toss.StatusAborted, toss.StatusExpired, toss.StatusCanceled:
		return nothingCharged()
	}
	// IN_PROGRESS and the like: look again after the backoff.
	later(now.Add(lookupBackoff(p.Lookups)), false)
	return false
}

// truncateBytes cuts s to at most n bytes without splitting a character: the
// gateway counts a cancel reason in bytes, and a refund must never be refused
// for its free-text reason.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) { // s[n] continues the character before the cut
		n--
	}
	return s[:n]
}

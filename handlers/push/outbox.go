package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/illuwa/illuwa/store"
)

// Run delivers due messages until ctx ends: every Interval, and at once
// after a Queue on this instance. Several instances may run it on one
// database: each message is claimed before it is sent.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.Interval)
	defer t.Stop()
	for {
		for s.Process(ctx, s.now()) == s.opts.Batch && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// Process makes one attempt at each message due at now (up to Batch of
// them) and returns how many it attempted.
func (s *Service) Process(ctx context.Context, now time.Time) int {
	due, err := s.store.DuePushes(ctx, now, s.opts.Batch)
	if err != nil {
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "push sweep", slog.String("error", err.Error()))
		}
		return 0
	}
	n := 0
	for _, m := range due {
		won, err := s.store.ClaimPush(ctx, m.ID, now, now.Add(s.opts.Lease))
		if err != nil || !won {
			continue
		}
		n++
		s.sendOne(ctx, m, now)
	}
	return n
}

// outcome is what a push service's answer means for the message.
type outcome int

const (
	sent     outcome = iota
	retry            // 429, 5xx or no answer: try again later
	gone             // 404 or 410: the subscription is dead
	rejected         // another 4xx: no retry will help
)

// classify reads a push service's status (RFC 8030 section 5, RFC 8292).
func classify(status int) outcome {
	switch {
	case status >= 200 && status < 300:
		return sent
	case status == http.StatusNotFound || status == http.StatusGone:
		return gone
	case status == http.StatusTooManyRequests || status >= 500:
		return retry
	}
	return rejected
}

// retryAfter reads a Retry-After header (seconds or an HTTP date); 0 when
// absent or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// backoff is the wait after the given number of failed attempts.
func (s *Service) backoff(attempts int) time.Duration {
	d := s.opts.Backoff
	for i := 1; i < attempts && d < s.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.opts.MaxBackoff)
}

// deliver sends one message to its subscription and returns the push
// service's status and headers.
func (s *Service) deliver(ctx context.Context, m store.PushMessage) (int, http.Header, error) {
	sub, err := s.store.PushSubscriptionByID(ctx, m.SubscriptionID)
	if err != nil {
		return 0, nil, err
	}
	keys, err := s.vapid(ctx)
	if err != nil {
		return 0, nil, err
	}
	ws := &webpush.Subscription{Endpoint: sub.Endpoint, Keys: webpush.Keys{Auth: sub.Auth, P256dh: sub.P256dh}}
	res, err := webpush.SendNotificationWithContext(ctx, []byte(m.Payload), ws, &webpush.Options{
		HTTPClient: s.client, Subscriber: s.subject(), TTL: int(s.opts.TTL.Seconds()), Urgency: webpush.UrgencyNormal,
		VAPIDPublicKey: keys.Public, VAPIDPrivateKey: keys.Private, VapidExpiration: s.now().Add(12 * time.Hour),
	})
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	return res.StatusCode, res.Header, nil
}

// sendOne attempts one claimed message and records the outcome.
func (s *Service) sendOne(ctx context.Context, m store.PushMessage, now time.Time) {
	attempts := m.Attempts + 1
	status, header, err := s.deliver(ctx, m)
	// The outcome is recorded even when ctx ended meanwhile.
	rec := context.WithoutCancel(ctx)
	attrs := []any{slog.Uint64("push_id", m.ID), slog.Uint64("subscription_id", m.SubscriptionID), slog.String("kind", m.Kind),
		slog.Int("attempt", attempts), slog.Int("status", status)}
	var what outcome
	switch {
	case errors.Is(err, store.ErrNotFound):
		what = gone // the subscription was removed meanwhile
	case err != nil:
		what = retry
	default:
		what = classify(status)
		err = fmt.Errorf("push service answered %d", status)
	}
	var ferr error
	switch {
	case what == sent:
		s.results.WithLabelValues("sent").Inc()
		ferr = s.store.FinishPush(rec, m.ID, store.PushSent, "")
	case what == gone:
		s.results.WithLabelValues("gone").Inc()
		s.log.InfoContext(ctx, "push subscription gone; dropped", attrs...)
		ferr = s.store.DropPushSubscription(rec, m.SubscriptionID)
	case what == rejected:
		s.results.WithLabelValues("rejected").Inc()
		s.log.WarnContext(ctx, "push refused", append(attrs, slog.String("error", err.Error()))...)
		ferr = s.store.FinishPush(rec, m.ID, store.PushFailed, err.Error())
	case attempts >= s.opts.MaxAttempts:
		s.results.WithLabelValues("failed").Inc()
		s.log.ErrorContext(ctx, "push failed for good", append(attrs, slog.String("error", err.Error()))...)
		ferr = s.store.FinishPush(rec, m.ID, store.PushFailed, err.Error())
	default:
		s.results.WithLabelValues("retry").Inc()
		// The push service's Retry-After, when it gives one, says when.
		wait := s.backoff(attempts)
		if ra := retryAfter(header, now); ra > 0 {
			wait = min(ra, s.opts.MaxBackoff)
		}
		next := now.Add(wait)
		s.log.WarnContext(ctx, "push not delivered; will retry", append(attrs, slog.String("error", err.Error()), slog.Time("next_attempt_at", next))...)
		ferr = s.store.RetryPush(rec, m.ID, next, err.Error())
	}
	if ferr != nil {
		s.log.ErrorContext(ctx, "push outcome not recorded", append(attrs, slog.String("error", ferr.Error()))...)
	}
}

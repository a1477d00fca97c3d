package push_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/push"
	"github.com/illuwa/illuwa/handlers/push/pushtest"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// fixture is a push service on a fresh database with one user, talking to
// a loopback push service.
type fixture struct {
	t      *testing.T
	st     *store.Store
	svc    *push.Service
	ps     *pushtest.Server
	reg    *prometheus.Registry
	userID uint64
}

func newFixture(t *testing.T, kind store.Dialect, opts push.Options) *fixture {
	t.Helper()
	st := storetest.Open(t, kind)
	u := store.User{LoginID: "minji", Nickname: "민지", Role: store.RoleCustomer}
	if err := st.CreateUser(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
	opts.AllowLoopback = true
	reg := prometheus.NewRegistry()
	f := &fixture{t: t, st: st, ps: pushtest.Start(t), reg: reg, userID: u.ID,
		svc: push.New(push.Deps{Store: st, Options: opts, Registerer: reg})}
	key, err := f.svc.PublicKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.ps.ExpectVAPIDKey(key)
	return f
}

func (f *fixture) subscribe() *pushtest.Subscription {
	f.t.Helper()
	sub := f.ps.NewSubscription()
	var in push.Subscription
	js, _ := json.Marshal(sub)
	_ = json.Unmarshal(js, &in)
	if _, err := f.svc.Subscribe(context.Background(), f.userID, in); err != nil {
		f.t.Fatal(err)
	}
	return sub
}

func (f *fixture) count(result string) float64 {
	c, err := f.reg.Gather()
	if err != nil {
		f.t.Fatal(err)
	}
	for _, mf := range c {
		if mf.GetName() != "illuwa_push_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func (f *fixture) queue(title string) {
	f.t.Helper()
	if err := f.svc.Queue(context.Background(), f.userID, push.Message{Title: title, Body: "본문", URL: "/pochas/1", Kind: "favourite_opened"}); err != nil {
		f.t.Fatal(err)
	}
}

// A queued message reaches every subscription of the user, VAPID-signed
// and encrypted so that only the browser's key opens it.
func TestDeliveredAndDecrypted(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, kind, push.Options{})
			a, b := f.subscribe(), f.subscribe()
			f.queue("단골 포차가 문을 열었어요")
			if n := f.svc.Process(context.Background(), time.Now()); n != 2 {
				t.Fatalf("attempted %d, want 2", n)
			}
			for _, sub := range []*pushtest.Subscription{a, b} {
				p := f.ps.Wait(sub.Endpoint, 1, 5*time.Second)
				var m push.Message
				if err := json.Unmarshal(p.Plaintext, &m); err != nil {
					t.Fatalf("plaintext %q: %v", p.Plaintext, err)
				}
				if m.Title != "단골 포차가 문을 열었어요" || m.Body != "본문" || m.URL != "/pochas/1" || p.TTL != "3600" {
					t.Fatalf("push %+v (ttl %s)", m, p.TTL)
				}
			}
			if r := f.ps.Refused(); len(r) != 0 {
				t.Fatalf("refused: %v", r)
			}
			// Delivered: nothing is due any more, and twice is never.
			if n := f.svc.Process(context.Background(), time.Now().Add(time.Hour)); n != 0 {
				t.Fatalf("attempted %d after delivery", n)
			}
			if f.count("sent") != 2 || len(f.ps.Received("")) != 2 {
				t.Fatalf("sent %v, received %d", f.count("sent"), len(f.ps.Received("")))
			}
		})
	}
}

// 404 and 410 drop the subscription; 429 waits at least Retry-After; 5xx
// backs off; another 4xx gives the message up; nothing is sent twice.
func TestAnswersOfThePushService(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, kind, push.Options{Backoff: time.Second})
			dead, busy, broken, bad := f.subscribe(), f.subscribe(), f.subscribe(), f.subscribe()
			f.ps.Answer(dead.Endpoint, pushtest.Answer{Status: http.StatusGone})
			f.ps.Answer(busy.Endpoint, pushtest.Answer{Status: http.StatusTooManyRequests, RetryAfter: "120"})
			f.ps.Answer(broken.Endpoint, pushtest.Answer{Status: http.StatusInternalServerError})
			f.ps.Answer(bad.Endpoint, pushtest.Answer{Status: http.StatusBadRequest})
			f.queue("하나")
			now := time.Now()
			if n := f.svc.Process(ctx, now); n != 4 {
				t.Fatalf("attempted %d, want 4", n)
			}
			subs, err := f.st.PushSubscriptions(ctx, f.userID)
			if err != nil || len(subs) != 3 {
				t.Fatalf("subscriptions after a 410: %d %v, want 3", len(subs), err)
			}
			for _, s := range subs {
				if s.Endpoint == dead.Endpoint {
					t.Fatal("the gone subscription is still there")
				}
			}
			// After the backoff (1 s) only the 5xx one is retried: the 429
			// waits its two minutes.
			if n := f.svc.Process(ctx, now.Add(2*time.Second)); n != 1 {
				t.Fatalf("attempted %d at +2 s, want 1 (the 500)", n)
			}
			f.ps.Wait(broken.Endpoint, 1, 5*time.Second)
			if n := f.svc.Process(ctx, now.Add(119*time.Second)); n != 0 {
				t.Fatalf("attempted %d before Retry-After", n)
			}
			if n := f.svc.Process(ctx, now.Add(121*time.Second)); n != 1 {
				t.Fatalf("attempted %d after Retry-After, want 1", n)
			}
			f.ps.Wait(busy.Endpoint, 1, 5*time.Second)
			if n := f.svc.Process(ctx, now.Add(24*time.Hour)); n != 0 {
				t.Fatalf("attempted %d at the end, want 0", n)
			}
			if got := len(f.ps.Received(bad.Endpoint)); got != 0 || f.ps.Attempts(bad.Endpoint) != 1 {
				t.Fatalf("the refused message was tried %d times", f.ps.Attempts(bad.Endpoint))
			}
			for result, want := range map[string]float64{"sent": 2, "gone": 1, "retry": 2, "rejected": 1} {
				if got := f.count(result); got != want {
					t.Errorf("%s: %v, want %v", result, got, want)
				}
			}
			if len(f.ps.Received("")) != 2 {
				t.Fatalf("received %d, want 2", len(f.ps.Received("")))
			}
		})
	}
}

// A message that never gets through is given up after MaxAttempts.
func TestGivesUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t, store.SQLite, push.Options{Backoff: time.Second, MaxAttempts: 3})
	sub := f.subscribe()
	for range 5 {
		f.ps.Answer(sub.Endpoint, pushtest.Answer{Status: http.StatusServiceUnavailable})
	}
	f.queue("안 가요")
	now := time.Now()
	total := 0
	for i := range 10 {
		total += f.svc.Process(context.Background(), now.Add(time.Duration(i)*time.Hour))
	}
	if total != 3 || f.count("failed") != 1 {
		t.Fatalf("attempts %d, failed %v", total, f.count("failed"))
	}
}

// Subscriptions are checked: an https endpoint on a public host (loopback
// only when allowed), a P-256 key and a 16-byte secret; the same endpoint
// again is one subscription; unsubscribing another's endpoint is refused.
func TestSubscribeChecks(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u := store.User{LoginID: "a", Nickname: "a", Role: store.RoleCustomer}
		other := store.User{LoginID: "b", Nickname: "b", Role: store.RoleCustomer}
		if err := st.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateUser(ctx, &other); err != nil {
			t.Fatal(err)
		}
		svc := push.New(push.Deps{Store: st})
		ps := pushtest.Start(t)
		good := ps.NewSubscription()
		mk := func(endpoint, p256, auth string) push.Subscription {
			var s push.Subscription
			s.Endpoint, s.Keys.P256dh, s.Keys.Auth = endpoint, p256, auth
			return s
		}
		tests := []struct {
			name  string
			sub   push.Subscription
			field string
		}{
			{"http_loopback_not_allowed", mk(good.Endpoint, good.Keys.P256dh, good.Keys.Auth), "endpoint"},
			{"private_address", mk("https://10.0.0.1/push/x", good.Keys.P256dh, good.Keys.Auth), "endpoint"},
			{"not_a_url", mk("push me", good.Keys.P256dh, good.Keys.Auth), "endpoint"},
			{"key_not_a_point", mk("https://push.example.com/x", strings.Repeat("A", 87), good.Keys.Auth), "keys.p256dh"},
			{"short_auth", mk("https://push.example.com/x", good.Keys.P256dh, "AAAA"), "keys.auth"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := svc.Subscribe(ctx, u.ID, tc.sub)
				var ce *check.Error
				if !errors.As(err, &ce) || len(ce.Fields) != 1 || ce.Fields[0].Field != tc.field {
					t.Fatalf("error %v, want one on %s", err, tc.field)
				}
			})
		}
		ok := mk("https://push.example.com/send/abc", good.Keys.P256dh, good.Keys.Auth)
		v1, err := svc.Subscribe(ctx, u.ID, ok)
		if err != nil {
			t.Fatal(err)
		}
		v2, err := svc.Subscribe(ctx, u.ID, ok)
		if err != nil || v2.ID != v1.ID {
			t.Fatalf("again: %+v %v, want id %d", v2, err, v1.ID)
		}
		if err := svc.Unsubscribe(ctx, other.ID, ok.Endpoint); !errors.Is(err, push.ErrNoSubscription) {
			t.Fatalf("another user's unsubscribe: %v", err)
		}
		if err := svc.Unsubscribe(ctx, u.ID, ok.Endpoint); err != nil {
			t.Fatal(err)
		}
		if subs, _ := st.PushSubscriptions(ctx, u.ID); len(subs) != 0 {
			t.Fatalf("left %d", len(subs))
		}
	})
}

// Without configured keys every instance on one database makes or finds the
// same pair, and it is a valid P-256 pair.
func TestKeysShared(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a, err := push.New(push.Deps{Store: st}).PublicKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, err := push.New(push.Deps{Store: st}).PublicKey(ctx)
		if err != nil || a != b || len(a) != 87 {
			t.Fatalf("keys %q %q %v", a, b, err)
		}
		k, err := push.LoadOrCreateKeys(ctx, st)
		if err != nil || k.Check() != nil || k.Public != a {
			t.Fatalf("stored %+v %v", k, err)
		}
		if err := (push.Keys{Public: a, Private: "AAAA"}).Check(); !errors.Is(err, push.ErrBadKeys) {
			t.Fatalf("mismatched pair: %v", err)
		}
	})
}

package ordering

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/handlers/toss/tossfake"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

const secretKey = "test_sk_ordering"

// push is one recorded real-time hint.
type push struct {
	User uint64
	Type string
	Body any
}

// recorder is a notify.Pusher that remembers every push, in order.
type recorder struct {
	mu     sync.Mutex
	pushes []push
}

func (r *recorder) PublishUser(_ context.Context, user uint64, typ string, body any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pushes = append(r.pushes, push{user, typ, body})
	return nil
}

// since returns the pushes after the first n, of the type (all types when empty).
func (r *recorder) since(n int, typ string) []push {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []push
	for _, p := range r.pushes[n:] {
		if typ == "" || p.Type == typ {
			out = append(out, p)
		}
	}
	return out
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pushes)
}

// fixture is the order flow on a fresh database, with the fake gateway over
// real HTTP, an owner with an open stall selling one 8,000-won item, and a
// customer.
type fixture struct {
	t        *testing.T
	svc      *Service
	st       *store.Store
	fake     *tossfake.Server
	gw       *httptest.Server
	push     *recorder
	owner    store.User
	customer store.User
	stranger store.User
	pocha    store.Pocha
	item     store.MenuItem
	clock    time.Time
}

var userSeq struct {
	sync.Mutex
	n int
}

func newUser(t *testing.T, st *store.Store, role string) store.User {
	t.Helper()
	userSeq.Lock()
	userSeq.n++
	login := role + strconv.Itoa(userSeq.n)
	userSeq.Unlock()
	u := store.User{LoginID: login, PasswordHash: "x", Nickname: login, Email: login + "@example.com", Phone: "01012345678", Role: role}
	if err := st.CreateUser(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
	return u
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, st: st, push: &recorder{}, clock: time.Now().UTC()}
	f.fake = tossfake.New(tossfake.Options{SecretKey: secretKey, RequireIdempotencyKey: true})
	f.gw = httptest.NewServer(f.fake)
	t.Cleanup(f.gw.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.svc = New(Deps{Store: st, Payments: toss.New(f.gw.URL, secretKey, &http.Client{Timeout: time.Second}), Push: f.push,
		Notes: notify.New(st, f.push, nil, log), Log: log, Now: func() time.Time { return f.clock }})
	f.owner, f.customer, f.stranger = newUser(t, st, store.RoleOwner), newUser(t, st, store.RoleCustomer), newUser(t, st, store.RoleCustomer)
	f.pocha = store.Pocha{OwnerID: f.owner.ID, Name: "을지로 포차"}
	if err := st.CreatePocha(ctx, &f.pocha); err != nil {
		t.Fatal(err)
	}
	f.item = store.MenuItem{PochaID: f.pocha.ID, Name: "떡볶이", Price: 8000}
	if err := st.CreateMenuItem(ctx, &f.item); err != nil {
		t.Fatal(err)
	}
	if err := st.SetPochaOpen(ctx, f.pocha.ID, true); err != nil {
		t.Fatal(err)
	}
	return f
}

// each runs fn in parallel on a fresh fixture over every database backend.
func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		fn(t, newFixture(t, st))
	})
}

// place orders qty of the item as the customer.
func (f *fixture) place(qty int64) View {
	f.t.Helper()
	o, err := f.svc.Place(context.Background(), f.customer.ID, NewOrder{PochaID: f.pocha.ID, Items: []Line{{MenuItemID: f.item.ID, Quantity: qty}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

// checkout opens a READY payment at the fake as the browser widget would.
func (f *fixture) checkout(o View) string {
	f.t.Helper()
	b, _ := json.Marshal(map[string]any{"orderId": o.PaymentOrderID, "amount": o.Total})
	res, err := f.gw.Client().Post(f.gw.URL+"/v1/fake/checkout", "application/json", bytes.NewReader(b))
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		PaymentKey string `json:"paymentKey"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.PaymentKey == "" {
		f.t.Fatalf("checkout: %d %v", res.StatusCode, err)
	}
	return out.PaymentKey
}

// paid places and pays an order of qty.
func (f *fixture) paid(qty int64) View {
	f.t.Helper()
	o := f.place(qty)
	out, err := f.svc.Confirm(context.Background(), f.customer.ID, Payment{OrderID: o.ID, PaymentKey: f.checkout(o), Amount: o.Total})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.Order
}

// notes lists the stored notifications of a user, newest first.
func (f *fixture) notes(user uint64) []store.Notification {
	f.t.Helper()
	ns, err := f.st.ListNotifications(context.Background(), user, 0, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	return ns
}

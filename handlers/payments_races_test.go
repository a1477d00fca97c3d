package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// waitCalls waits until the fake gateway has seen n requests for path.
func (p *payAPI) waitCalls(path string, n int) {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for p.fake.Calls(path) < n {
		if time.Now().After(deadline) {
			p.t.Fatalf("the gateway never saw %d calls of %s", n, path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The reconciler looks an unknown payment up; while the (held) answer "READY,
// nothing charged" is on its way, the customer retries the confirm, the card
// is charged and that answer is lost too. The stale lookup must not mark the
// payment failed: it would never be looked up again and the charge would be
// kept without the order being paid.
func TestReconcilerRacingConfirmKeepsTheCharge(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		ctx := context.Background()
		o := p.order(1)
		key := p.checkout(o, "")
		p.fake.FailNext(confirmPath, 1, 503)
		p.confirm(p.cust, "stale-0001", o.ID, key, o.Total).mustStatus(t, 503)

		lookup := "/v1/payments/orders/" + o.PaymentOrderID
		p.fake.DelayNext(lookup, 1, 600*time.Millisecond)
		done := make(chan int, 1)
		go func() { done <- p.srv.orders.Reconcile(ctx, time.Now().Add(time.Second)) }()
		p.waitCalls(lookup, 1) // the gateway answered READY; the answer is held

		p.fake.DelayNext(confirmPath, 1, 5*time.Second) // charged, answer lost
		p.confirm(p.cust, "stale-0001", o.ID, key, o.Total).mustStatus(t, 503)
		<-done
		if c := p.fake.Charges(); c != 1 {
			t.Fatalf("charges %d, want 1", c)
		}
		if pay, _ := p.store.PaymentByOrder(ctx, o.ID); pay.Status != store.PaymentUnknown {
			t.Fatalf("payment %s after a stale lookup, want unknown (the charge must be looked up)", pay.Status)
		}
		p.srv.orders.Reconcile(ctx, time.Now().Add(time.Hour))
		if got := p.getOrder(p.cust, o.ID); got.Status != store.OrderPaid {
			t.Fatalf("order %s after reconcile, want paid", got.Status)
		}
	})
}

// A confirm whose process died after claiming the Idempotency-Key leaves a
// "processing" record; a retry with the same key and body after the record is
// stale runs the confirm instead of answering 409 forever.
func TestConfirmTakesOverAStuckIdempotencyKey(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		o := p.order(1)
		key := p.checkout(o, "")
		canon, _ := json.Marshal(ordering.Payment{OrderID: o.ID, PaymentKey: key, Amount: o.Total})
		sum := sha256.Sum256(canon)
		old := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
		db := openRawDB(t, p.kind, p.dbURL)
		if _, err := db.Exec(`INSERT INTO idempotency_keys (user_id, idem_key, request_hash, state, response_status, created_at, updated_at)
			VALUES (?, ?, ?, 'processing', 0, ?, ?)`, p.custU.ID, "crashed-0001", hex.EncodeToString(sum[:]), old, old); err != nil {
			t.Fatal(err)
		}
		var cr ordering.Confirmed
		p.confirm(p.cust, "crashed-0001", o.ID, key, o.Total).mustStatus(t, 200).decode(t, &cr)
		if cr.Order.Status != store.OrderPaid {
			t.Fatalf("order %s", cr.Order.Status)
		}
		r := p.confirm(p.cust, "crashed-0001", o.ID, key, o.Total).mustStatus(t, 200)
		if r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatal("the answer of the taken-over key is not replayed")
		}
		if pr := p.confirm(p.cust, "crashed-0001", o.ID, key+"x", o.Total).mustStatus(t, 422).problem(t); pr.Code != "idempotency_key_reused" {
			t.Fatalf("code %s", pr.Code)
		}
		if c := p.fake.Charges(); c != 1 {
			t.Fatalf("charges %d", c)
		}
	})
}

// An owner's reason may be 200 Korean characters (600 bytes); the gateway
// takes at most 200 bytes of cancelReason. The refund must still go through.
func TestRefundWithALongKoreanReason(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		ctx := context.Background()
		o := p.pay(p.order(1))
		reason := strings.Repeat("재료소진", 50) // 200 characters
		p.do("POST", "/api/v1/orders/"+itoa(o.ID)+"/reject", p.owner, map[string]any{"reason": reason}).mustStatus(t, 200)
		if n := p.srv.orders.ProcessRefunds(ctx, time.Now()); n != 1 {
			r, _ := p.store.RefundByOrder(ctx, o.ID)
			t.Fatalf("refund not done: %+v", r)
		}
		if got := p.getOrder(p.cust, o.ID); got.RefundStatus != store.RefundDone {
			t.Fatalf("refund status %q", got.RefundStatus)
		}
	})
}

// inProgressGateway answers every confirm with ALREADY_PROCESSED_PAYMENT and
// every lookup by key with the payment still IN_PROGRESS: another confirm of
// the same payment is being processed and its outcome is open.
type inProgressGateway struct{ PaymentProvider }

func (g inProgressGateway) Confirm(context.Context, string, toss.ConfirmRequest) (*toss.Payment, error) {
	return nil, fmt.Errorf("toss: POST /v1/payments/confirm: %w",
		&toss.Error{Status: http.StatusBadRequest, Code: toss.CodeAlreadyProcessedPayment, Message: "already processed"})
}

func (g inProgressGateway) Payment(ctx context.Context, key string) (*toss.Payment, error) {
	tp, err := g.PaymentProvider.Payment(ctx, key)
	if err != nil {
		return nil, err
	}
	cp := *tp
	cp.Status = toss.StatusInProgress
	return &cp, nil
}

// "Already processed" while the payment is still in progress is an open
// outcome, not a decline: the payment must stay on the reconciler's list.
func TestConfirmAlreadyProcessedInProgressIsUnknown(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			testConfirmInProgress(t, newPayAPI(t, kind, func(d *Deps) { d.Payments = inProgressGateway{d.Payments} }))
		})
	}
}

func testConfirmInProgress(t *testing.T, p *payAPI) {
	ctx := context.Background()
	o := p.order(1)
	key := p.checkout(o, "")
	if pr := p.confirm(p.cust, "inprog-0001", o.ID, key, o.Total).mustStatus(t, 503).problem(t); pr.Code != "payment_unknown" {
		t.Fatalf("code %s", pr.Code)
	}
	if pay, _ := p.store.PaymentByOrder(ctx, o.ID); pay.Status != store.PaymentUnknown {
		t.Fatalf("payment %s, want unknown", pay.Status)
	}
	if due, _ := p.store.DuePayments(ctx, time.Now().Add(time.Second), 10); len(due) != 1 {
		t.Fatalf("%d payments due for a lookup, want 1", len(due))
	}
}

// secondInstance is another API instance on the same database and gateway,
// as a second server behind the load balancer would be.
func (p *payAPI) secondInstance() *Server {
	p.t.Helper()
	images, err := blobOpenDir(p.t.TempDir())
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { _ = images.Close() })
	return New(Deps{Store: p.store, Images: images, Log: p.srv.log, Push: p.push,
		Payments: toss.New(p.gw.URL, testSecretKey, &http.Client{Timeout: time.Second})})
}

// Two instances run their workers at the same moment: every overdue order is
// cancelled once, every refund is sent to the gateway once, every lost
// approval is applied once.
func TestWorkersOnTwoInstancesAtOnce(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		ctx := context.Background()
		other := p.secondInstance()
		var paid []ordering.View
		for i := 0; i < 3; i++ {
			paid = append(paid, p.pay(p.order(1)))
		}
		var lost []ordering.View
		for i := 0; i < 2; i++ {
			o := p.order(1)
			key := p.checkout(o, "")
			p.fake.DelayNext(confirmPath, 1, 5*time.Second)
			p.confirm(p.cust, "lost-"+itoa(o.ID)+"-key", o.ID, key, o.Total).mustStatus(t, 503)
			lost = append(lost, o)
		}
		before := len(p.push.all())
		at := time.Now().Add(11 * time.Minute) // past the accept timeout of the paid orders
		run := func(fn func(s *Server)) {
			done := make(chan struct{})
			for _, s := range []*Server{p.srv, other} {
				go func() { fn(s); done <- struct{}{} }()
			}
			<-done
			<-done
		}
		run(func(s *Server) { s.orders.ExpireUnaccepted(ctx, at) })
		run(func(s *Server) { s.orders.ProcessRefunds(ctx, at) })
		run(func(s *Server) { s.orders.Reconcile(ctx, at) })

		for _, o := range paid {
			got := p.getOrder(p.cust, o.ID)
			evs, _ := p.store.OrderEvents(ctx, o.ID)
			if got.Status != store.OrderCancelled || got.RefundStatus != store.RefundDone || len(evs) != 3 {
				t.Fatalf("order %d: %s/%s with %d events", o.ID, got.Status, got.RefundStatus, len(evs))
			}
			pay, _ := p.store.PaymentByOrder(ctx, o.ID)
			if n := p.fake.Calls("/v1/payments/" + pay.PaymentKey + "/cancel"); n != 1 {
				t.Fatalf("order %d: %d cancel calls, want 1", o.ID, n)
			}
		}
		for _, o := range lost {
			if got := p.getOrder(p.cust, o.ID); got.Status != store.OrderPaid {
				t.Fatalf("lost approval of order %d: %s", o.ID, got.Status)
			}
		}
		counts := map[string]int{}
		for _, m := range p.push.all()[before:] {
			counts[m.Type+"/"+m.Status]++
		}
		// 3 cancellations and 3 refunds to customer and owner; 2 approvals to the owner.
		if counts["order.updated/cancelled"] != 12 || counts["order.created/paid"] != 2 || len(counts) != 2 {
			t.Fatalf("pushes %v", counts)
		}
		if c := p.fake.Charges(); c != 5 {
			t.Fatalf("charges %d, want 5", c)
		}
	})
}

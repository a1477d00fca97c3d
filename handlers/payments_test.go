package handlers

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"
	"github.com/go-sql-driver/mysql"

	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/store"
)

const confirmPath = "/v1/payments/confirm"

func TestConfirmRefusals(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		o := p.order(2)
		key := p.checkout(o, "")
		stranger, _ := p.signupLogin("customer2", "customer")
		tests := []struct {
			name, token, idem string
			order             uint64
			amount            int64
			status            int
			code              string
		}{
			{name: "missing_idempotency_key", token: p.cust, idem: "", order: o.ID, amount: o.Total, status: 400, code: "idempotency_key_required"},
			{name: "short_idempotency_key", token: p.cust, idem: "abc", order: o.ID, amount: o.Total, status: 400, code: "idempotency_key_required"},
			{name: "amount_mismatch", token: p.cust, idem: "mismatch-1", order: o.ID, amount: o.Total - 1000, status: 422, code: "amount_mismatch"},
			{name: "someone_elses_order", token: stranger, idem: "stranger-1", order: o.ID, amount: o.Total, status: 404, code: "not_found"},
			{name: "unknown_order", token: p.cust, idem: "unknown-1", order: 987654, amount: o.Total, status: 404, code: "not_found"},
			{name: "owner_cannot_pay", token: p.owner, idem: "owner-key-1", order: o.ID, amount: o.Total, status: 403, code: "forbidden"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if pr := p.confirm(tc.token, tc.idem, tc.order, key, tc.amount).mustStatus(t, tc.status).problem(t); pr.Code != tc.code {
					t.Fatalf("code %s, want %s", pr.Code, tc.code)
				}
			})
		}
		if n := p.fake.Calls(confirmPath); n != 0 {
			t.Fatalf("%d confirms reached the gateway, want 0", n)
		}
		// The refused answer is replayed for the same key and body.
		r := p.confirm(p.cust, "mismatch-1", o.ID, key, o.Total-1000).mustStatus(t, 422)
		if r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatal("second identical request was not a replay")
		}
		if got := p.getOrder(p.cust, o.ID); got.Status != "pending_payment" {
			t.Fatalf("order %s", got.Status)
		}
	})
}

func TestConfirmIdempotentSequential(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		o := p.order(1)
		key := p.checkout(o, "")
		first := p.confirm(p.cust, "idem-seq-0001", o.ID, key, o.Total).mustStatus(t, 200)
		second := p.confirm(p.cust, "idem-seq-0001", o.ID, key, o.Total).mustStatus(t, 200)
		if string(first.Body) != string(second.Body) || second.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay differs:\n%s\n%s", first.Body, second.Body)
		}
		// Same key, another body: refused.
		if pr := p.confirm(p.cust, "idem-seq-0001", o.ID, key+"x", o.Total).mustStatus(t, 422).problem(t); pr.Code != "idempotency_key_reused" {
			t.Fatalf("code %s", pr.Code)
		}
		// Another key, same payment: answered from our records, no second charge.
		p.confirm(p.cust, "idem-seq-0002", o.ID, key, o.Total).mustStatus(t, 200)
		if c := p.fake.Charges(); c != 1 {
			t.Fatalf("charges %d, want 1", c)
		}
		var cr ordering.Confirmed
		first.decode(t, &cr)
		if cr.Payment.CardNumber != "433012******1235" || cr.Payment.Amount != o.Total || cr.Payment.ApprovedAt == nil || cr.Payment.Method == "" {
			t.Fatalf("payment %+v", cr.Payment)
		}
	})
}

func TestConfirmConcurrent(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		for _, sameKey := range []bool{true, false} {
			o := p.order(1)
			key := p.checkout(o, "")
			var wg sync.WaitGroup
			statuses := make([]int, 6)
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					idem := "race-" + itoa(o.ID) + "-same"
					if !sameKey {
						idem = fmt.Sprintf("race-%d-%d", o.ID, i)
					}
					statuses[i] = p.confirm(p.cust, idem, o.ID, key, o.Total).Status
				}()
			}
			wg.Wait()
			ok := 0
			for _, s := range statuses {
				switch s {
				case 200:
					ok++
				case 409: // in_progress: the client retries
				default:
					t.Fatalf("concurrent confirm answered %d (%v)", s, statuses)
				}
			}
			if ok == 0 || (sameKey && ok != len(statuses)) {
				t.Fatalf("same key %v: statuses %v", sameKey, statuses)
			}
			if got := p.getOrder(p.cust, o.ID); got.Status != "paid" {
				t.Fatalf("order %s", got.Status)
			}
		}
		if c := p.fake.Charges(); c != 2 {
			t.Fatalf("charges %d, want 2 (one per order)", c)
		}
		created := 0
		for _, m := range p.push.all() {
			if m.Type == "order.created" {
				created++
			}
		}
		if created != 2 {
			t.Fatalf("%d order.created pushes, want 2", created)
		}
	})
}

func TestConfirmDeclinedThenRetried(t *testing.T) {
	t.Parallel()
	p := newPayAPI(t, store.SQLite)
	o := p.order(1)
	bad := p.checkout(o, declinedCard)
	pr := p.confirm(p.cust, "declined-001", o.ID, bad, o.Total).mustStatus(t, 402).problem(t)
	if pr.Code != "payment_rejected" || pr.Detail == "" {
		t.Fatalf("problem %+v", pr)
	}
	if got := p.getOrder(p.cust, o.ID); got.Status != "pending_payment" {
		t.Fatalf("declined order is %s", got.Status)
	}
	good := p.checkout(o, "")
	p.confirm(p.cust, "declined-002", o.ID, good, o.Total).mustStatus(t, 200)
	if p.fake.Charges() != 1 {
		t.Fatalf("charges %d", p.fake.Charges())
	}
}

func TestConfirmProviderDownThenReconciled(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		ctx := context.Background()
		// 1. The gateway fails before acting: unknown to us, nothing charged.
		o := p.order(1)
		key := p.checkout(o, "")
		p.fake.FailNext(confirmPath, 1, 503)
		if pr := p.confirm(p.cust, "down-0001", o.ID, key, o.Total).mustStatus(t, 503).problem(t); pr.Code != "payment_unknown" {
			t.Fatalf("code %s", pr.Code)
		}
		if got := p.getOrder(p.cust, o.ID); got.Status != "pending_payment" {
			t.Fatalf("order %s after a failed confirm", got.Status)
		}
		pay, _ := p.store.PaymentByOrder(ctx, o.ID)
		if pay.Status != store.PaymentUnknown {
			t.Fatalf("payment %s, want unknown", pay.Status)
		}
		p.srv.orders.Reconcile(ctx, time.Now().Add(time.Second))
		if pay, _ = p.store.PaymentByOrder(ctx, o.ID); pay.Status != store.PaymentFailed {
			t.Fatalf("payment %s after reconcile, want failed", pay.Status)
		}
		if got := p.getOrder(p.cust, o.ID); got.Status != "pending_payment" {
			t.Fatalf("order %s without a charge", got.Status)
		}
		// The customer retries (the unknown answer was not stored): paid once.
		p.confirm(p.cust, "down-0001", o.ID, key, o.Total).mustStatus(t, 200)

		// 2. Charged, but the answer is lost (timeout): the reconciler finds it.
		o2 := p.order(2)
		key2 := p.checkout(o2, "")
		p.fake.DelayNext(confirmPath, 1, 5*time.Second)
		p.confirm(p.cust, "late-0001", o2.ID, key2, o2.Total).mustStatus(t, 503)
		if got := p.getOrder(p.cust, o2.ID); got.Status != "pending_payment" {
			t.Fatalf("order %s without the gateway's word", got.Status)
		}
		before := len(p.push.all())
		if n := p.srv.orders.Reconcile(ctx, time.Now().Add(time.Second)); n != 1 {
			t.Fatalf("reconciled %d", n)
		}
		if got := p.getOrder(p.cust, o2.ID); got.Status != "paid" {
			t.Fatalf("order %s after reconcile, want paid", got.Status)
		}
		msgs := p.push.all()[before:]
		if len(msgs) != 1 || msgs[0].Type != "order.created" || msgs[0].OrderID != o2.ID {
			t.Fatalf("pushes %+v", msgs)
		}
		// Nothing is left to reconcile, and a second run changes nothing.
		if n := p.srv.orders.Reconcile(ctx, time.Now().Add(time.Hour)); n != 0 {
			t.Fatalf("reconciled %d more", n)
		}
		if c := p.fake.Charges(); c != 2 {
			t.Fatalf("charges %d, want 2", c)
		}
	})
}

func TestWebhookTrustsOnlyTheGateway(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		ctx := context.Background()
		o := p.order(1)
		key := p.checkout(o, "")
		forged := `{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-03-14T12:00:00.000000","data":{"paymentKey":"` + key +
			`","orderId":"` + o.PaymentOrderID + `","status":"DONE","totalAmount":` + fmt.Sprint(o.Total) + `}}`
		p.do("POST", "/api/v1/payments/webhook", "", forged).mustStatus(t, 200)
		if got := p.getOrder(p.cust, o.ID); got.Status != "pending_payment" {
			t.Fatalf("a forged webhook made the order %s", got.Status)
		}
		if _, err := p.store.PaymentByOrder(ctx, o.ID); err == nil {
			t.Fatal("a forged webhook created a payment record")
		}
		p.do("POST", "/api/v1/payments/webhook", "", `{"nonsense":true}`).mustStatus(t, 400)

		// Charged but the confirm answer was lost; the gateway's webhook settles it.
		p.fake.DelayNext(confirmPath, 1, 5*time.Second)
		p.confirm(p.cust, "webhook-0001", o.ID, key, o.Total).mustStatus(t, 503)
		hook := p.http.URL + "/api/v1/payments/webhook"
		if err := p.fake.SendWebhook(ctx, hook, key); err != nil {
			t.Fatal(err)
		}
		if got := p.getOrder(p.cust, o.ID); got.Status != "paid" {
			t.Fatalf("order %s after the webhook", got.Status)
		}
		if err := p.fake.SendWebhook(ctx, hook, key); err != nil { // retried: a no-op
			t.Fatal(err)
		}
		evs, _ := p.store.OrderEvents(ctx, o.ID)
		if len(evs) != 2 || p.fake.Charges() != 1 {
			t.Fatalf("events %d, charges %d", len(evs), p.fake.Charges())
		}
		// The lookup fails: 5xx so the gateway retries.
		p.fake.FailNext("/v1/payments/"+key, 1, 500)
		p.do("POST", "/api/v1/payments/webhook", "", forged).mustStatus(t, 502)
	})
}

func TestRefundSurvivesGatewayOutage(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		ctx := context.Background()
		o := p.pay(p.order(3))
		var c ordering.View
		p.do("POST", "/api/v1/orders/"+itoa(o.ID)+"/cancel", p.cust, nil).mustStatus(t, 200).decode(t, &c)
		if c.Status != "cancelled" || c.RefundStatus != "pending" || c.CancelledBy != "customer" {
			t.Fatalf("cancelled: %+v", c)
		}
		r, err := p.store.RefundByOrder(ctx, o.ID)
		if err != nil || r.Amount != o.Total || r.Status != "pending" {
			t.Fatalf("refund job %+v %v", r, err)
		}
		pay, _ := p.store.PaymentByOrder(ctx, o.ID)
		cancelPath := "/v1/payments/" + pay.PaymentKey + "/cancel"
		p.fake.FailNext(cancelPath, 2, 503)
		now := time.Now()
		for i := 0; i < 2; i++ {
			if n := p.srv.orders.ProcessRefunds(ctx, now); n != 0 {
				t.Fatalf("refund done while the gateway is down")
			}
			if n := p.srv.orders.ProcessRefunds(ctx, now); n != 0 { // not due again yet
				t.Fatalf("refund retried before its backoff")
			}
			now = now.Add(10 * time.Minute)
		}
		if r, _ = p.store.RefundByOrder(ctx, o.ID); r.Attempts != 2 || r.Status != "pending" || r.LastError == "" {
			t.Fatalf("refund job after outage %+v", r)
		}
		if n := p.srv.orders.ProcessRefunds(ctx, now); n != 1 {
			t.Fatalf("refund not done after the gateway came back")
		}
		got := p.getOrder(p.cust, o.ID)
		if got.RefundStatus != "done" {
			t.Fatalf("refund status %q", got.RefundStatus)
		}
		tp, err := toss.New(p.gw.URL, testSecretKey, nil).Payment(ctx, pay.PaymentKey)
		if err != nil || tp.Status != toss.StatusCanceled || len(tp.Cancels) != 1 || tp.BalanceAmount != 0 {
			t.Fatalf("gateway payment %+v %v", tp, err)
		}
		if n := p.fake.Calls(cancelPath); n != 3 {
			t.Fatalf("%d cancel calls, want 3", n)
		}
		if n := p.srv.orders.ProcessRefunds(ctx, now.Add(time.Hour)); n != 0 {
			t.Fatal("a finished refund ran again")
		}
	})
}

func TestAcceptTimeoutCancelsAndRefunds(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		ctx := context.Background()
		late := p.pay(p.order(1))
		onTime := p.pay(p.order(1))
		p.do("POST", "/api/v1/orders/"+itoa(onTime.ID)+"/accept", p.owner, map[string]any{"ready_in_minutes": 20}).mustStatus(t, 200)
		if n := p.srv.orders.ExpireUnaccepted(ctx, time.Now().Add(9*time.Minute)); n != 0 {
			t.Fatalf("expired %d before the timeout", n)
		}
		before := len(p.push.all())
		if n := p.srv.orders.ExpireUnaccepted(ctx, time.Now().Add(11*time.Minute)); n != 1 {
			t.Fatalf("expired %d, want 1", n)
		}
		got := p.getOrder(p.cust, late.ID)
		if got.Status != "cancelled" || got.CancelledBy != "system" || got.RefundStatus != "pending" {
			t.Fatalf("timed out order %+v", got)
		}
		if p.getOrder(p.cust, onTime.ID).Status != "accepted" {
			t.Fatal("an accepted order was cancelled")
		}
		msgs := p.push.all()[before:]
		if len(msgs) != 2 || msgs[0].User != p.custU.ID || msgs[1].User != p.ownerU.ID || msgs[0].Status != "cancelled" {
			t.Fatalf("pushes %+v", msgs)
		}
		evs, _ := p.store.OrderEvents(ctx, late.ID)
		if last := evs[len(evs)-1]; last.ToStatus != "cancelled" || last.ActorID != 0 || last.Reason == "" {
			t.Fatalf("last event %+v", last)
		}
		if n := p.srv.orders.ProcessRefunds(ctx, time.Now()); n != 1 {
			t.Fatalf("refunds done %d", n)
		}
		if got := p.getOrder(p.cust, late.ID); got.RefundStatus != "done" {
			t.Fatalf("refund %q", got.RefundStatus)
		}
	})
}

func TestOwnerRejectRefunds(t *testing.T) {
	t.Parallel()
	p := newPayAPI(t, store.SQLite)
	o := p.pay(p.order(1))
	var r ordering.View
	p.do("POST", "/api/v1/orders/"+itoa(o.ID)+"/reject", p.owner, map[string]any{"reason": "재료 소진"}).mustStatus(t, 200).decode(t, &r)
	if r.Status != "cancelled" || r.CancelledBy != "owner" || r.CancelReason != "재료 소진" || r.RefundStatus != "pending" {
		t.Fatalf("rejected %+v", r)
	}
	if n := p.srv.orders.ProcessRefunds(context.Background(), time.Now()); n != 1 {
		t.Fatal("refund not sent")
	}
}

func TestRunWorkersStopsWithContext(t *testing.T) {
	t.Parallel()
	p := newPayAPI(t, store.SQLite, func(d *Deps) { d.Options.WorkerInterval = 10 * time.Millisecond })
	o := p.pay(p.order(1))
	p.do("POST", "/api/v1/orders/"+itoa(o.ID)+"/cancel", p.cust, nil).mustStatus(t, 200)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.srv.orders.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for p.getOrder(p.cust, o.ID).RefundStatus != "done" {
		if time.Now().After(deadline) {
			t.Fatal("the workers never refunded")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
}

// declinedCard is the fake's always-declined card.
const declinedCard = "4000000000000002"

// openRawDB opens the test database behind a store URL with database/sql.
func openRawDB(t *testing.T, kind store.Dialect, rawURL string) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	switch kind {
	case store.SQLite:
		db, err = sql.Open("sqlite", strings.TrimPrefix(rawURL, "sqlite://"))
	case store.MySQL:
		u, perr := url.Parse(rawURL)
		if perr != nil {
			t.Fatal(perr)
		}
		cfg := mysql.NewConfig()
		cfg.Net, cfg.Addr, cfg.User, cfg.DBName = "tcp", u.Host, u.User.Username(), strings.TrimPrefix(u.Path, "/")
		cfg.Passwd, _ = u.User.Password()
		db, err = sql.Open("mysql", cfg.FormatDSN())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// scanDatabase returns every table's rows as text.
func scanDatabase(t *testing.T, db *sql.DB, kind store.Dialect) string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if kind == store.MySQL {
		q = "SHOW TABLES"
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var all strings.Builder
	for _, tbl := range tables {
		rs, err := db.Query("SELECT * FROM " + tbl)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			_ = rs.Scan(ptrs...)
			for _, v := range vals {
				fmt.Fprintf(&all, "%s|", v)
			}
			all.WriteString("\n")
		}
		rs.Close()
	}
	if !strings.Contains(all.String(), "customer1") {
		t.Fatal("the scan read nothing")
	}
	return all.String()
}

func TestPaymentMethods(t *testing.T) {
	t.Parallel()
	const card = "4111-1111-1111-1111"
	const digits = "4111111111111111"
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		next := time.Now().AddDate(1, 0, 0)
		good := func() map[string]any {
			return map[string]any{"card_number": card, "exp_month": int(next.Month()), "exp_year": next.Year(), "nickname": "내 카드"}
		}
		tests := []struct {
			name   string
			mutate func(m map[string]any)
			status int
			code   string
			field  string
		}{
			{name: "bad_luhn", mutate: func(m map[string]any) { m["card_number"] = "4111111111111112" }, status: 422, code: "validation_failed", field: "card_number"},
			{name: "too_short", mutate: func(m map[string]any) { m["card_number"] = "411111" }, status: 422, code: "validation_failed", field: "card_number"},
			{name: "expired", mutate: func(m map[string]any) { m["exp_year"] = 2020 }, status: 422, code: "validation_failed", field: "exp_year"},
			{name: "bad_month", mutate: func(m map[string]any) { m["exp_month"] = 13 }, status: 422, code: "validation_failed", field: "exp_month"},
			{name: "cvc_not_taken", mutate: func(m map[string]any) { m["cvc"] = "123" }, status: 400, code: "unknown_field", field: "cvc"},
			{name: "declined", mutate: func(m map[string]any) { m["card_number"] = declinedCard }, status: 402, code: "card_rejected"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				m := good()
				tc.mutate(m)
				pr := p.do("POST", "/api/v1/payment-methods", p.cust, m).mustStatus(t, tc.status).problem(t)
				if pr.Code != tc.code || (tc.field != "" && (len(pr.Errors) == 0 || pr.Errors[0].Field != tc.field)) {
					t.Fatalf("problem %+v", pr)
				}
			})
		}
		var pm ordering.MethodView
		p.do("POST", "/api/v1/payment-methods", p.cust, good()).mustStatus(t, 201).decode(t, &pm)
		if pm.Brand != "VISA" || pm.MaskedNumber != "411111******1111" || pm.Nickname != "내 카드" {
			t.Fatalf("saved card %+v", pm)
		}
		var list struct {
			Items []ordering.MethodView `json:"items"`
		}
		p.do("GET", "/api/v1/payment-methods", p.cust, nil).mustStatus(t, 200).decode(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != pm.ID {
			t.Fatalf("list %+v", list)
		}
		other, _ := p.signupLogin("customer2", "customer")
		p.do("GET", "/api/v1/payment-methods", other, nil).mustStatus(t, 200).decode(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("another customer sees %+v", list)
		}
		path := "/api/v1/payment-methods/" + itoa(pm.ID)
		p.do("PATCH", path, other, map[string]any{"nickname": "mine now"}).mustStatus(t, 404)
		p.do("DELETE", path, other, nil).mustStatus(t, 404)
		p.do("PATCH", path, p.cust, map[string]any{"nickname": "회사 카드"}).mustStatus(t, 200).decode(t, &pm)
		if pm.Nickname != "회사 카드" {
			t.Fatalf("renamed %+v", pm)
		}
		p.do("PATCH", path, p.cust, map[string]any{"nickname": ""}).mustStatus(t, 422)

		// The full number reaches neither the database nor the logs.
		dump := scanDatabase(t, openRawDB(t, p.kind, p.dbURL), p.kind)
		if !strings.Contains(dump, "411111******1111") {
			t.Fatal("the scan did not see the saved card")
		}
		for _, secret := range []string{digits, card, "4111 1111 1111 1111"} {
			if strings.Contains(dump, secret) {
				t.Fatal("the card number is in the database")
			}
			if strings.Contains(p.logs.String(), secret) {
				t.Fatal("the card number is in the logs")
			}
		}
		if strings.Contains(string(p.fake.Dump()), digits) {
			t.Fatal("the card number is in the gateway's records")
		}

		before := p.fake.Calls("/v1/billing/authorizations/card")
		p.do("DELETE", path, p.cust, nil).mustStatus(t, 204)
		p.do("DELETE", path, p.cust, nil).mustStatus(t, 404)
		var dumped struct {
			BillingKeys []json.RawMessage `json:"billingKeys"`
		}
		if err := json.Unmarshal(p.fake.Dump(), &dumped); err != nil || len(dumped.BillingKeys) != 0 {
			t.Fatalf("billing keys left at the gateway: %d (%v)", len(dumped.BillingKeys), err)
		}
		if p.fake.Calls("/v1/billing/authorizations/card") != before {
			t.Fatal("delete issued a key")
		}
		p.do("GET", "/api/v1/payment-methods", p.owner, nil).mustStatus(t, 403)
	})
}

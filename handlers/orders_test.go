package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/handlers/toss/tossfake"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// pushRecord is one push a test saw.
type pushRecord struct {
	User    uint64
	Type    string
	OrderID uint64
	Status  string
}

// recordingPusher is a Pusher that remembers every push in order.
type recordingPusher struct {
	mu    sync.Mutex
	msgs  []pushRecord
	notes []pushRecord // "notification" pushes, kept apart from order pushes
}

func (p *recordingPusher) PublishUser(_ context.Context, user uint64, typ string, body any) error {
	o, _ := body.(ordering.View)
	p.mu.Lock()
	defer p.mu.Unlock()
	if typ == "notification" {
		p.notes = append(p.notes, pushRecord{User: user, Type: typ})
		return nil
	}
	p.msgs = append(p.msgs, pushRecord{User: user, Type: typ, OrderID: o.ID, Status: o.Status})
	return nil
}

// all returns the order pushes (order.created, order.updated) in order.
func (p *recordingPusher) all() []pushRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]pushRecord(nil), p.msgs...)
}

// notifications returns the notification pushes in order.
func (p *recordingPusher) notifications() []pushRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]pushRecord(nil), p.notes...)
}

// payAPI is a test API wired to a fake payment gateway over real HTTP and a
// recording pusher, on a database whose URL the test knows.
type payAPI struct {
	*testAPI
	fake   *tossfake.Server
	gw     *httptest.Server
	push   *recordingPusher
	dbURL  string
	kind   store.Dialect
	owner  string // owner token
	ownerU accounts.View
	cust   string // customer token
	custU  accounts.View
	pocha  uint64
	item   uint64 // 8,000 won
}

const testSecretKey = "test_sk_orders"

// newPayAPI starts the API with a fake gateway (client timeout 1 s), an owner
// with an open stall and a customer.
func newPayAPI(t *testing.T, kind store.Dialect, opts ...func(*Deps)) *payAPI {
	t.Helper()
	url := storetest.URL(t, kind)
	ctx := context.Background()
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	fake := tossfake.New(tossfake.Options{SecretKey: testSecretKey, RequireIdempotencyKey: true})
	gw := httptest.NewServer(fake)
	t.Cleanup(gw.Close)
	client := toss.New(gw.URL, testSecretKey, &http.Client{Timeout: time.Second})
	push := &recordingPusher{}
	api := newTestAPI(t, kind, append([]func(*Deps){func(d *Deps) {
		d.Store, d.Payments, d.Push = st, client, push
	}}, opts...)...)
	api.store = st
	p := &payAPI{testAPI: api, fake: fake, gw: gw, push: push, dbURL: url, kind: kind}
	p.owner, p.ownerU = api.signupLogin("owner1", "owner")
	p.cust, p.custU = api.signupLogin("customer1", "customer")
	p.pocha, p.item = api.createPocha(p.owner, "을지로 포차", 8000)
	if err := st.SetPochaOpen(ctx, p.pocha, true); err != nil {
		t.Fatal(err)
	}
	return p
}

// forEachPayBackend runs fn on a fresh payAPI over every database backend.
func forEachPayBackend(t *testing.T, fn func(t *testing.T, p *payAPI)) {
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			fn(t, newPayAPI(t, kind))
		})
	}
}

// order creates an order of qty of the stall's item as the customer.
func (p *payAPI) order(qty int) ordering.View {
	p.t.Helper()
	var o ordering.View
	p.do("POST", "/api/v1/orders", p.cust, map[string]any{"pocha_id": p.pocha,
		"items": []map[string]any{{"menu_item_id": p.item, "quantity": qty}}}).mustStatus(p.t, 201).decode(p.t, &o)
	return o
}

// checkout opens a READY payment at the fake as the browser widget would.
func (p *payAPI) checkout(o ordering.View, card string) string {
	p.t.Helper()
	b, _ := json.Marshal(map[string]any{"orderId": o.PaymentOrderID, "amount": o.Total, "cardNumber": card})
	res, err := p.gw.Client().Post(p.gw.URL+"/v1/fake/checkout", "application/json", bytes.NewReader(b))
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		PaymentKey string `json:"paymentKey"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.PaymentKey == "" {
		p.t.Fatalf("checkout: %d %v", res.StatusCode, err)
	}
	return out.PaymentKey
}

// confirm calls POST /payments/confirm with an Idempotency-Key.
func (p *payAPI) confirm(token, idemKey string, orderID uint64, paymentKey string, amount int64) response {
	p.t.Helper()
	return p.do("POST", "/api/v1/payments/confirm", token,
		map[string]any{"order_id": orderID, "payment_key": paymentKey, "amount": amount}, "Idempotency-Key", idemKey)
}

// pay checks out and confirms the order, and returns it paid.
func (p *payAPI) pay(o ordering.View) ordering.View {
	p.t.Helper()
	key := p.checkout(o, "")
	var out ordering.Confirmed
	p.confirm(p.cust, "pay-"+itoa(o.ID)+"-key", o.ID, key, o.Total).mustStatus(p.t, 200).decode(p.t, &out)
	if out.Order.Status != store.OrderPaid || out.Payment.Status != store.PaymentDone {
		p.t.Fatalf("after confirm: %+v", out)
	}
	return out.Order
}

// getOrder reads an order as the token's user.
func (p *payAPI) getOrder(token string, id uint64) ordering.View {
	p.t.Helper()
	var o ordering.View
	p.do("GET", "/api/v1/orders/"+itoa(id), token, nil).mustStatus(p.t, 200).decode(p.t, &o)
	return o
}

func TestCreateOrderValidation(t *testing.T) {
	t.Parallel()
	p := newPayAPI(t, store.SQLite)
	ctx := context.Background()
	// A second stall of another owner, and a sold-out item on ours.
	other, _ := p.signupLogin("owner2", "owner")
	otherPocha, otherItem := p.createPocha(other, "남의 포차", 5000)
	_ = p.store.SetPochaOpen(ctx, otherPocha, true)
	closedPocha, closedItem := p.createPocha(p.owner, "닫힌 포차", 5000)
	var soldOut pochas.MenuItemView
	p.do("POST", "/api/v1/pochas/"+itoa(p.pocha)+"/menu", p.owner, map[string]any{"name": "순대", "price": 6000, "sold_out": true}).
		mustStatus(t, 201).decode(t, &soldOut)
	var dear pochas.MenuItemView
	p.do("POST", "/api/v1/pochas/"+itoa(p.pocha)+"/menu", p.owner, map[string]any{"name": "랍스터", "price": 100000}).
		mustStatus(t, 201).decode(t, &dear)

	line := func(item uint64, qty any) map[string]any {
		return map[string]any{"menu_item_id": item, "quantity": qty}
	}
	body := func(pocha uint64, lines ...map[string]any) map[string]any {
		return map[string]any{"pocha_id": pocha, "items": lines}
	}
	many := []map[string]any{}
	for i := 0; i < 31; i++ {
		many = append(many, line(uint64(1000+i), 1))
	}
	tests := []struct {
		name   string
		body   any
		token  string
		status int
		code   string
		field  string
	}{
		{name: "ok", body: body(p.pocha, line(p.item, 3)), status: 201},
		{name: "client_price_refused", body: map[string]any{"pocha_id": p.pocha, "items": []map[string]any{{"menu_item_id": p.item, "quantity": 1, "price": 1}}}, status: 400, code: "unknown_field", field: "price"},
		{name: "client_total_refused", body: map[string]any{"pocha_id": p.pocha, "total": 1, "items": []map[string]any{line(p.item, 1)}}, status: 400, code: "unknown_field", field: "total"},
		{name: "quantity_zero", body: body(p.pocha, line(p.item, 0)), status: 422, code: "validation_failed", field: "items[0].quantity"},
		{name: "quantity_negative", body: body(p.pocha, line(p.item, -2)), status: 422, code: "validation_failed", field: "items[0].quantity"},
		{name: "quantity_51", body: body(p.pocha, line(p.item, 51)), status: 422, code: "validation_failed", field: "items[0].quantity"},
		{name: "quantity_absurd", body: body(p.pocha, line(p.item, int64(1e12))), status: 422, code: "validation_failed", field: "items[0].quantity"},
		{name: "quantity_exponent", body: `{"pocha_id":` + itoa(p.pocha) + `,"items":[{"menu_item_id":` + itoa(p.item) + `,"quantity":1e12}]}`, status: 400, code: "malformed_json"},
		{name: "quantity_fraction", body: `{"pocha_id":` + itoa(p.pocha) + `,"items":[{"menu_item_id":` + itoa(p.item) + `,"quantity":1.5}]}`, status: 400, code: "malformed_json"},
		{name: "unknown_item", body: body(p.pocha, line(999999, 1)), status: 422, code: "validation_failed", field: "items[0].menu_item_id"},
		{name: "foreign_item", body: body(p.pocha, line(p.item, 1), line(otherItem, 1)), status: 422, code: "validation_failed", field: "items[1].menu_item_id"},
		{name: "sold_out", body: body(p.pocha, line(soldOut.ID, 1)), status: 422, code: "validation_failed", field: "items[0].menu_item_id"},
		{name: "duplicate_item", body: body(p.pocha, line(p.item, 1), line(p.item, 2)), status: 422, code: "validation_failed", field: "items[1].menu_item_id"},
		{name: "no_items", body: body(p.pocha), status: 422, code: "validation_failed", field: "items"},
		{name: "too_many_lines", body: body(p.pocha, many...), status: 422, code: "validation_failed", field: "items"},
		{name: "total_over_limit", body: body(p.pocha, line(dear.ID, 11)), status: 422, code: "validation_failed", field: "items"},
		{name: "unknown_pocha", body: body(987654, line(p.item, 1)), status: 422, code: "validation_failed", field: "pocha_id"},
		{name: "closed_pocha", body: body(closedPocha, line(closedItem, 1)), status: 409, code: "pocha_closed"},
		{name: "owner_cannot_order", body: body(p.pocha, line(p.item, 1)), token: p.owner, status: 403, code: "forbidden"},
		{name: "anonymous", body: body(p.pocha, line(p.item, 1)), token: "-", status: 401, code: "unauthorized"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token := p.cust
			switch tc.token {
			case "-":
				token = ""
			case "":
			default:
				token = tc.token
			}
			res := p.do("POST", "/api/v1/orders", token, tc.body).mustStatus(t, tc.status)
			if tc.status == 201 {
				var o ordering.View
				res.decode(t, &o)
				if o.Total != 24000 || o.Status != "pending_payment" || len(o.Items) != 1 || o.Items[0].UnitPrice != 8000 ||
					o.Items[0].Name != "떡볶이" || o.Items[0].LineTotal != 24000 || o.PaymentOrderID != "illuwa-order-"+itoa(o.ID) {
					t.Fatalf("created order %+v", o)
				}
				return
			}
			pr := res.problem(t)
			if pr.Code != tc.code {
				t.Fatalf("problem %+v, want code %s", pr, tc.code)
			}
			if tc.field != "" && (len(pr.Errors) == 0 || pr.Errors[0].Field != tc.field) {
				t.Fatalf("problem fields %+v, want %s", pr.Errors, tc.field)
			}
		})
	}

	// The order keeps the price it was sold at when the menu changes.
	o := p.order(1)
	p.do("PATCH", "/api/v1/pochas/"+itoa(p.pocha)+"/menu/"+itoa(p.item), p.owner, map[string]any{"price": 9500}).mustStatus(t, 200)
	if got := p.getOrder(p.cust, o.ID); got.Total != 8000 || got.Items[0].UnitPrice != 8000 {
		t.Fatalf("order changed with the menu: %+v", got)
	}
}

func TestOrderFullFlowWithPushes(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		o := p.order(2)
		if len(p.push.all()) != 0 {
			t.Fatalf("an unpaid order was pushed: %+v", p.push.all())
		}
		// The owner's list does not need an unpaid order, but may read it.
		o = p.pay(o)
		if o.PaidAt == nil {
			t.Fatalf("paid order without paid_at: %+v", o)
		}
		var accepted ordering.View
		p.do("POST", "/api/v1/orders/"+itoa(o.ID)+"/accept", p.owner, map[string]any{"ready_in_minutes": 15}).
			mustStatus(t, 200).decode(t, &accepted)
		if accepted.Status != "accepted" || accepted.ReadyInMinutes == nil || *accepted.ReadyInMinutes != 15 ||
			accepted.ReadyAt == nil || accepted.ReadyAt.Sub(*accepted.AcceptedAt) != 15*time.Minute {
			t.Fatalf("accepted: %+v", accepted)
		}
		p.do("POST", "/api/v1/orders/"+itoa(o.ID)+"/ready", p.owner, nil).mustStatus(t, 200)
		var done ordering.View
		p.do("POST", "/api/v1/orders/"+itoa(o.ID)+"/complete", p.owner, nil).mustStatus(t, 200).decode(t, &done)
		if done.Status != "completed" {
			t.Fatalf("completed: %+v", done)
		}

		owner, cust := p.ownerU.ID, p.custU.ID
		want := []pushRecord{
			{owner, "order.created", o.ID, "paid"},
			{cust, "order.updated", o.ID, "accepted"}, {owner, "order.updated", o.ID, "accepted"},
			{cust, "order.updated", o.ID, "ready"}, {owner, "order.updated", o.ID, "ready"},
			{cust, "order.updated", o.ID, "completed"}, {owner, "order.updated", o.ID, "completed"},
		}
		if got := p.push.all(); !equalPushes(got, want) {
			t.Fatalf("pushes\n got %+v\nwant %+v", got, want)
		}
		// Every change that concerns a person left a stored notification:
		// the owner's "new order", the customer's "accepted" and "ready".
		wantNotes := []pushRecord{{User: owner, Type: "notification"}, {User: cust, Type: "notification"}, {User: cust, Type: "notification"}}
		if got := p.push.notifications(); !equalPushes(got, wantNotes) {
			t.Fatalf("notification pushes\n got %+v\nwant %+v", got, wantNotes)
		}
		var inbox struct {
			Items       []struct{ Kind string }
			UnreadCount int `json:"unread_count"`
		}
		p.do("GET", "/api/v1/notifications", p.cust, nil).mustStatus(t, 200).decode(t, &inbox)
		if inbox.UnreadCount != 2 || len(inbox.Items) != 2 || inbox.Items[0].Kind != "order_ready" {
			t.Fatalf("customer's notifications: %+v", inbox)
		}

		evs, err := p.store.OrderEvents(context.Background(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		var path []string
		for _, e := range evs {
			path = append(path, e.FromStatus+">"+e.ToStatus)
		}
		if strings.Join(path, " ") != ">pending_payment pending_payment>paid paid>accepted accepted>ready ready>completed" {
			t.Fatalf("events %v", path)
		}
		if evs[2].ActorID != owner || evs[1].ActorID != 0 {
			t.Fatalf("event actors %+v", evs)
		}

		// Both parties read it; a stranger gets 404.
		p.getOrder(p.owner, o.ID)
		stranger, _ := p.signupLogin("stranger", "customer")
		p.do("GET", "/api/v1/orders/"+itoa(o.ID), stranger, nil).mustStatus(t, 404)
		otherOwner, _ := p.signupLogin("owner2", "owner")
		p.do("GET", "/api/v1/orders/"+itoa(o.ID), otherOwner, nil).mustStatus(t, 404)

		// Lists: the customer's own, the owner's per stall, another stall 403.
		second := p.order(1)
		var page struct {
			Items      []ordering.View `json:"items"`
			NextCursor *string         `json:"next_cursor"`
		}
		p.do("GET", "/api/v1/orders?limit=1", p.cust, nil).mustStatus(t, 200).decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != second.ID || page.NextCursor == nil {
			t.Fatalf("first page %+v", page)
		}
		p.do("GET", "/api/v1/orders?limit=1&cursor="+*page.NextCursor, p.cust, nil).mustStatus(t, 200).decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != o.ID {
			t.Fatalf("second page %+v", page)
		}
		p.do("GET", "/api/v1/orders?pocha_id="+itoa(p.pocha)+"&status=completed", p.owner, nil).mustStatus(t, 200).decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != o.ID || page.NextCursor != nil {
			t.Fatalf("owner list %+v", page)
		}
		p.do("GET", "/api/v1/orders?pocha_id="+itoa(p.pocha), otherOwner, nil).mustStatus(t, 404)
		p.do("GET", "/api/v1/orders", stranger, nil).mustStatus(t, 200).decode(t, &page)
		if len(page.Items) != 0 {
			t.Fatalf("a stranger sees orders: %+v", page)
		}
		p.do("GET", "/api/v1/orders?status=eaten", p.cust, nil).mustStatus(t, 422)
	})
}

func equalPushes(got, want []pushRecord) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func TestIllegalTransitions(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		otherOwner, _ := p.signupLogin("owner2", "owner")
		otherCust, _ := p.signupLogin("customer2", "customer")
		act := func(token, id, action string, body any) response {
			return p.do("POST", "/api/v1/orders/"+id+"/"+action, token, body)
		}
		mustCode := func(r response, status int, code string) {
			t.Helper()
			if pr := r.mustStatus(t, status).problem(t); pr.Code != code {
				t.Fatalf("code %s, want %s", pr.Code, code)
			}
		}
		o := p.order(1)
		id := itoa(o.ID)
		mustCode(act(p.owner, id, "accept", map[string]any{"ready_in_minutes": 10}), 409, "invalid_transition") // not paid yet
		mustCode(act(p.owner, id, "reject", map[string]any{"reason": "no"}), 409, "invalid_transition")
		p.pay(o)
		mustCode(act(otherOwner, id, "accept", map[string]any{"ready_in_minutes": 10}), 404, "not_found")
		mustCode(act(otherCust, id, "cancel", nil), 404, "not_found")
		mustCode(act(p.owner, id, "complete", nil), 409, "invalid_transition") // complete before ready
		mustCode(act(p.owner, id, "ready", nil), 409, "invalid_transition")    // ready before accept
		mustCode(act(p.owner, id, "accept", map[string]any{"ready_in_minutes": 0}), 422, "validation_failed")
		mustCode(act(p.owner, id, "accept", map[string]any{"ready_in_minutes": 181}), 422, "validation_failed")
		mustCode(act(p.owner, id, "reject", map[string]any{"reason": " "}), 422, "validation_failed")
		mustCode(act(p.cust, id, "accept", map[string]any{"ready_in_minutes": 10}), 403, "forbidden") // customers cannot accept

		// Two owners' screens accept at once: exactly one wins.
		var wg sync.WaitGroup
		statuses := make([]int, 4)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = act(p.owner, id, "accept", map[string]any{"ready_in_minutes": 5 + i}).Status
			}()
		}
		wg.Wait()
		wins := 0
		for _, s := range statuses {
			switch s {
			case 200:
				wins++
			case 409:
			default:
				t.Fatalf("concurrent accept answered %d; logs: %s", s, p.logs.String())
			}
		}
		if wins != 1 {
			t.Fatalf("%d concurrent accepts won: %v", wins, statuses)
		}
		evs, _ := p.store.OrderEvents(context.Background(), o.ID)
		if n := len(evs); n != 3 {
			t.Fatalf("%d events after one accept, want 3", n)
		}
		mustCode(act(p.cust, id, "cancel", nil), 409, "invalid_transition") // cancel after accept
		mustCode(act(p.owner, id, "reject", map[string]any{"reason": "too busy"}), 409, "invalid_transition")
		act(p.owner, id, "ready", nil).mustStatus(t, 200)
		act(p.owner, id, "complete", nil).mustStatus(t, 200)
		mustCode(act(p.owner, id, "complete", nil), 409, "invalid_transition")

		// The customer cancels an unpaid order: no refund.
		o2 := p.order(1)
		var c ordering.View
		act(p.cust, itoa(o2.ID), "cancel", map[string]any{"reason": "changed my mind"}).mustStatus(t, 200).decode(t, &c)
		if c.Status != "cancelled" || c.CancelledBy != "customer" || c.CancelReason != "changed my mind" || c.RefundStatus != "" {
			t.Fatalf("cancelled unpaid: %+v", c)
		}
		key := p.checkout(o2, "")
		mustCode(p.confirm(p.cust, "late-confirm-1", o2.ID, key, o2.Total), 409, "invalid_transition")
		if p.fake.Charges() != 1 {
			t.Fatalf("charges %d", p.fake.Charges())
		}
	})
}

func TestStateMachineTable(t *testing.T) {
	t.Parallel()
	legal := map[string]bool{
		"pending_payment>paid/system": true, "pending_payment>cancelled/customer": true, "pending_payment>cancelled/system": true,
		"paid>accepted/owner": true, "paid>cancelled/customer": true, "paid>cancelled/owner": true, "paid>cancelled/system": true,
		"accepted>ready/owner": true, "ready>completed/owner": true,
	}
	statuses := []string{"pending_payment", "paid", "accepted", "ready", "completed", "cancelled"}
	for _, from := range statuses {
		for _, to := range statuses {
			for _, by := range []store.Actor{store.ActorCustomer, store.ActorOwner, store.ActorSystem} {
				k := from + ">" + to + "/" + string(by)
				if got := store.CheckTransition(from, to, by) == nil; got != legal[k] {
					t.Errorf("%s allowed = %v", k, got)
				}
			}
		}
	}
}

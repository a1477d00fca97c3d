package handlers

import (
	"testing"

	"github.com/illuwa/illuwa/store/storetest"
)

// The REST BOLA tests' GraphQL twins: each refusal has the code REST
// answers for the same request.
func TestGraphQLBOLA(t *testing.T) {
	p := newPayAPI(t, storetest.Backends[0])
	custB, _ := p.signupLogin("customer2", "customer")
	ownerB, _ := p.signupLogin("owner2", "owner")
	pochaB, _ := p.createPocha(ownerB, "종로 포차", 5000)
	o := p.pay(p.order(1))
	id := map[string]any{"id": itoa(o.ID)}

	restCode := func(method, path, token string, body any) string {
		t.Helper()
		return p.do(method, path, token, body).problem(t).Code
	}
	cases := []struct {
		name, token, query string
		vars               map[string]any
		rest               func() string
	}{
		{"customer_b_reads_order", custB, `query($id: ID!) { order(id: $id) { id } }`, id,
			func() string { return restCode("GET", "/api/v1/orders/"+itoa(o.ID), custB, nil) }},
		{"customer_b_cancels_order", custB, `mutation($id: ID!) { cancelOrder(id: $id) { id } }`, id,
			func() string { return restCode("POST", "/api/v1/orders/"+itoa(o.ID)+"/cancel", custB, nil) }},
		{"owner_b_reads_order", ownerB, `query($id: ID!) { order(id: $id) { id } }`, id,
			func() string { return restCode("GET", "/api/v1/orders/"+itoa(o.ID), ownerB, nil) }},
		{"owner_b_accepts_order", ownerB, `mutation($id: ID!) { acceptOrder(id: $id, readyInMinutes: 10) { id } }`, id,
			func() string {
				return restCode("POST", "/api/v1/orders/"+itoa(o.ID)+"/accept", ownerB, map[string]any{"ready_in_minutes": 10})
			}},
		{"owner_b_rejects_order", ownerB, `mutation($id: ID!) { rejectOrder(id: $id, reason: "no") { id } }`, id,
			func() string {
				return restCode("POST", "/api/v1/orders/"+itoa(o.ID)+"/reject", ownerB, map[string]any{"reason": "no"})
			}},
		{"owner_b_lists_stall_a_orders", ownerB, `query($p: ID) { orders(pochaId: $p) { edges { cursor } } }`,
			map[string]any{"p": itoa(p.pocha)},
			func() string { return restCode("GET", "/api/v1/orders?pocha_id="+itoa(p.pocha), ownerB, nil) }},
		{"owner_b_reads_stall_a_sales", ownerB, `query($p: ID!) { pocha(id: $p) { sales(from: "2026-01-01", to: "2026-01-02") { from } } }`,
			map[string]any{"p": itoa(p.pocha)},
			func() string {
				return restCode("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/sales?from=2026-01-01&to=2026-01-02", ownerB, nil)
			}},
		{"owner_b_reads_stall_a_settlement", ownerB, `query($p: ID!) { pocha(id: $p) { settlement(month: "2026-01") { month } } }`,
			map[string]any{"p": itoa(p.pocha)},
			func() string {
				return restCode("GET", "/api/v1/pochas/"+itoa(p.pocha)+"/settlements/2026-01", ownerB, nil)
			}},
		{"customer_reads_sales", p.cust, `query($p: ID!) { pocha(id: $p) { settlement(month: "2026-01") { month } } }`,
			map[string]any{"p": itoa(pochaB)},
			func() string {
				return restCode("GET", "/api/v1/pochas/"+itoa(pochaB)+"/settlements/2026-01", p.cust, nil)
			}},
		{"owner_places_order", p.owner, `mutation($p: ID!, $i: ID!) { placeOrder(input: {pochaId: $p, items: [{menuItemId: $i, quantity: 1}]}) { id } }`,
			map[string]any{"p": itoa(p.pocha), "i": itoa(p.item)},
			func() string {
				return restCode("POST", "/api/v1/orders", p.owner, map[string]any{"pocha_id": p.pocha,
					"items": []map[string]any{{"menu_item_id": p.item, "quantity": 1}}})
			}},
		{"customer_accepts_own_order", p.cust, `mutation($id: ID!) { acceptOrder(id: $id, readyInMinutes: 10) { id } }`, id,
			func() string {
				return restCode("POST", "/api/v1/orders/"+itoa(o.ID)+"/accept", p.cust, map[string]any{"ready_in_minutes": 10})
			}},
		{"anonymous_cancels", "", `mutation($id: ID!) { cancelOrder(id: $id) { id } }`, id,
			func() string { return restCode("POST", "/api/v1/orders/"+itoa(o.ID)+"/cancel", "", nil) }},
		{"customer_b_confirms_order", custB, `mutation($id: ID!) { confirmPayment(idempotencyKey: "bola-key-1", input: {orderId: $id, paymentKey: "k", amount: 8000}) { order { id } } }`, id,
			func() string {
				return p.confirm(custB, "bola-key-2", o.ID, "k", 8000).problem(t).Code
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := p.gql(c.token, c.query, c.vars).code(t)
			want := c.rest()
			if got == "" || got != want {
				t.Errorf("GraphQL code %q, REST code %q", got, want)
			}
		})
	}
	// Nothing changed: the order is still paid, to its customer.
	if v := p.getOrder(p.cust, o.ID); v.Status != "paid" {
		t.Errorf("after the refusals the order is %s", v.Status)
	}
}

// The whole order flow through GraphQL mutations, with the confirm's
// idempotency key shared with REST's records.
func TestGraphQLOrderFlow(t *testing.T) {
	p := newPayAPI(t, storetest.Backends[0])
	var placed struct {
		PlaceOrder struct {
			ID, Status     string
			Total          int
			PaymentOrderID string
		}
	}
	p.gql(p.cust, `mutation($p: ID!, $i: ID!) { placeOrder(input: {pochaId: $p, items: [{menuItemId: $i, quantity: 3}]}) { id status total paymentOrderId } }`,
		map[string]any{"p": itoa(p.pocha), "i": itoa(p.item)}).ok(t, &placed)
	if placed.PlaceOrder.Status != "PENDING_PAYMENT" || placed.PlaceOrder.Total != 24000 {
		t.Fatalf("placed %+v", placed)
	}
	o := p.getOrder(p.cust, mustID(t, placed.PlaceOrder.ID))
	key := p.checkout(o, "")
	confirm := `mutation($k: String!, $o: ID!, $pk: String!, $a: Int!) { confirmPayment(idempotencyKey: $k, input: {orderId: $o, paymentKey: $pk, amount: $a}) { order { status } payment { status amount } } }`
	vars := map[string]any{"k": "gql-confirm-1", "o": placed.PlaceOrder.ID, "pk": key, "a": 24000}
	if c := p.gql(p.cust, confirm, map[string]any{"k": "short", "o": placed.PlaceOrder.ID, "pk": key, "a": 24000}).code(t); c != "idempotency_key_required" {
		t.Errorf("short key: %q", c)
	}
	var conf struct {
		ConfirmPayment struct {
			Order   struct{ Status string }
			Payment struct {
				Status string
				Amount int
			}
		}
	}
	p.gql(p.cust, confirm, vars).ok(t, &conf)
	if conf.ConfirmPayment.Order.Status != "PAID" || conf.ConfirmPayment.Payment.Amount != 24000 {
		t.Fatalf("confirm %+v", conf)
	}
	p.gql(p.cust, confirm, vars).ok(t, &conf) // the replay
	if conf.ConfirmPayment.Order.Status != "PAID" {
		t.Errorf("replayed confirm %+v", conf)
	}
	vars["a"] = 1000
	if c := p.gql(p.cust, confirm, vars).code(t); c != "idempotency_key_reused" {
		t.Errorf("same key, other input: %q", c)
	}
	for _, step := range []struct{ q, want string }{
		{`mutation($id: ID!) { acceptOrder(id: $id, readyInMinutes: 0) { status } }`, "validation_failed"},
		{`mutation($id: ID!) { acceptOrder(id: $id, readyInMinutes: 15) { status } }`, ""},
		{`mutation($id: ID!) { markOrderReady(id: $id) { status } }`, ""},
		{`mutation($id: ID!) { markOrderReady(id: $id) { status } }`, "invalid_transition"},
		{`mutation($id: ID!) { completeOrder(id: $id) { status } }`, ""},
	} {
		if c := p.gql(p.owner, step.q, map[string]any{"id": placed.PlaceOrder.ID}).code(t); c != step.want {
			t.Errorf("%s: code %q, want %q", step.q, c, step.want)
		}
	}
	var rv struct {
		WriteReview struct {
			ID    string
			Stars int
		}
	}
	p.gql(p.cust, `mutation($p: ID!, $o: ID!) { writeReview(pochaId: $p, input: {orderId: $o, stars: 5, content: "맛있어요", public: true}) { id stars } }`,
		map[string]any{"p": itoa(p.pocha), "o": placed.PlaceOrder.ID}).ok(t, &rv)
	var rp struct {
		ReplyToReview struct{ Reply struct{ Content string } }
	}
	p.gql(p.owner, `mutation($id: ID!) { replyToReview(id: $id, content: "감사합니다") { reply { content } } }`,
		map[string]any{"id": rv.WriteReview.ID}).ok(t, &rp)
	if rp.ReplyToReview.Reply.Content != "감사합니다" {
		t.Errorf("reply %+v", rp)
	}
	var del struct{ DeleteReply, DeleteReview bool }
	p.gql(p.owner, `mutation($id: ID!) { deleteReply(id: $id) }`, map[string]any{"id": rv.WriteReview.ID}).ok(t, &del)
	p.gql(p.cust, `mutation($id: ID!) { deleteReview(id: $id) }`, map[string]any{"id": rv.WriteReview.ID}).ok(t, &del)
	if !del.DeleteReply || !del.DeleteReview {
		t.Errorf("deletes %+v", del)
	}
}

func mustID(t *testing.T, s string) uint64 {
	t.Helper()
	var id uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("id %q", s)
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}

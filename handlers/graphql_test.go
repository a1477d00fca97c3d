package handlers

import (
	"encoding/json"
	"testing"

	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/store/storetest"
)

// gqlResponse is a GraphQL answer.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// gql posts a GraphQL operation as the token's user.
func (a *testAPI) gql(token, query string, vars map[string]any) gqlResponse {
	a.t.Helper()
	res := a.do("POST", "/api/v1/graphql", token, map[string]any{"query": query, "variables": vars}).mustStatus(a.t, 200)
	var out gqlResponse
	if err := json.Unmarshal(res.Body, &out); err != nil {
		a.t.Fatalf("graphql answer %s: %v", res.Body, err)
	}
	return out
}

// code is the extensions.code of the only error; "" without errors.
func (r gqlResponse) code(t *testing.T) string {
	t.Helper()
	switch len(r.Errors) {
	case 0:
		return ""
	case 1:
		c, _ := r.Errors[0].Extensions["code"].(string)
		return c
	}
	t.Fatalf("%d errors: %+v", len(r.Errors), r.Errors)
	return ""
}

// ok decodes the data of an answer that must have no error.
func (r gqlResponse) ok(t *testing.T, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatal(err)
	}
}

func TestGraphQLQueries(t *testing.T) {
	p := newPayAPI(t, storetest.Backends[0])
	o := p.pay(p.order(2))

	var me struct {
		Me struct{ ID, Role, Nickname string }
	}
	p.gql(p.cust, `{ me { id role nickname } }`, nil).ok(t, &me)
	if me.Me.ID != itoa(p.custU.ID) || me.Me.Role != "CUSTOMER" || me.Me.Nickname != "customer1" {
		t.Errorf("me = %+v", me.Me)
	}
	var anon struct{ Me *struct{ ID string } }
	p.gql("", `{ me { id } }`, nil).ok(t, &anon)
	if anon.Me != nil {
		t.Errorf("anonymous me = %+v, want null", anon.Me)
	}

	var st struct {
		Pocha struct {
			Name string
			Menu []struct {
				Name  string
				Price int
			}
			Hours       []struct{ Day string }
			ReviewStats struct {
				Count   int
				PerStar []struct{ Stars, Count int }
			}
			Reviews struct {
				Edges    []any
				PageInfo struct{ HasNextPage bool }
			}
		}
	}
	p.gql("", `query($id: ID!) { pocha(id: $id) { name menu { name price } hours { day }
		reviewStats { count perStar { stars count } } reviews(first: 5) { edges { cursor } pageInfo { hasNextPage } } } }`,
		map[string]any{"id": itoa(p.pocha)}).ok(t, &st)
	if st.Pocha.Name != "을지로 포차" || len(st.Pocha.Menu) != 1 || st.Pocha.Menu[0].Price != 8000 ||
		len(st.Pocha.Hours) != 7 || st.Pocha.Hours[0].Day != "mon" || len(st.Pocha.ReviewStats.PerStar) != 5 {
		t.Errorf("pocha = %+v", st.Pocha)
	}
	if c := p.gql("", `{ pocha(id: "999999") { name } }`, nil).code(t); c != "not_found" {
		t.Errorf("unknown pocha: code %q, want not_found", c)
	}

	var ords struct {
		Orders struct {
			Edges []struct {
				Node struct {
					ID, Status string
					Total      int
					Pocha      struct{ Name string }
				}
			}
		}
	}
	p.gql(p.cust, `{ orders { edges { node { id status total pocha { name } } } } }`, nil).ok(t, &ords)
	if len(ords.Orders.Edges) != 1 || ords.Orders.Edges[0].Node.Status != "PAID" || ords.Orders.Edges[0].Node.Total != 16000 ||
		ords.Orders.Edges[0].Node.Pocha.Name != "을지로 포차" {
		t.Errorf("orders = %+v", ords)
	}
	var owners struct {
		Orders struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	p.gql(p.owner, `query($p: ID) { orders(pochaId: $p, status: PAID) { edges { node { id } } } }`,
		map[string]any{"p": itoa(p.pocha)}).ok(t, &owners)
	if len(owners.Orders.Edges) != 1 || owners.Orders.Edges[0].Node.ID != itoa(o.ID) {
		t.Errorf("owner's orders = %+v", owners)
	}

	var notes struct {
		Notifications struct {
			UnreadCount int
			Edges       []struct {
				Node struct {
					ID, Kind string
					OrderID  *string
				}
			}
		}
	}
	p.gql(p.owner, `{ notifications(first: 10) { unreadCount edges { node { id kind orderId } } } }`, nil).ok(t, &notes)
	if notes.Notifications.UnreadCount != 1 || len(notes.Notifications.Edges) != 1 ||
		notes.Notifications.Edges[0].Node.OrderID == nil || *notes.Notifications.Edges[0].Node.OrderID != itoa(o.ID) {
		t.Fatalf("notifications = %+v", notes)
	}
	var read struct{ MarkNotificationRead struct{ Read bool } }
	p.gql(p.owner, `mutation($id: ID!) { markNotificationRead(id: $id) { read } }`,
		map[string]any{"id": notes.Notifications.Edges[0].Node.ID}).ok(t, &read)
	if !read.MarkNotificationRead.Read {
		t.Error("markNotificationRead did not mark it read")
	}

	var sales struct {
		Pocha struct {
			Sales struct{ Totals struct{ Orders, Gross int } }
		}
	}
	day := o.PaidAt.In(ordering.Seoul()).Format("2006-01-02")
	p.gql(p.owner, `query($id: ID!, $d: String!) { pocha(id: $id) { sales(from: $d, to: $d) { totals { orders gross } } } }`,
		map[string]any{"id": itoa(p.pocha), "d": day}).ok(t, &sales)
	if sales.Pocha.Sales.Totals.Orders != 1 || sales.Pocha.Sales.Totals.Gross != 16000 {
		t.Errorf("sales = %+v", sales)
	}
	if c := p.gql(p.cust, `{ paymentMethods { id } }`, nil).code(t); c != "" {
		t.Errorf("paymentMethods: %s", c)
	}
	if c := p.gql("", `{ orders { edges { cursor } } }`, nil).code(t); c != "unauthorized" {
		t.Errorf("anonymous orders: code %q, want unauthorized", c)
	}
	if c := p.gql(p.cust, `{ nearby(lat: 95, lng: 0) { distanceM } }`, nil).code(t); c != "validation_failed" {
		t.Errorf("nearby lat 95: code %q, want validation_failed", c)
	}
}

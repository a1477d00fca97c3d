package handlers

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/pos"
	"github.com/illuwa/illuwa/store"
)

// paidOrder places an order at the stall as the customer and marks it paid
// in the store (the gateway is not the point here).
func (a *testAPI) paidOrder(customer string, pid, item uint64) ordering.View {
	a.t.Helper()
	ctx := context.Background()
	if err := a.store.SetPochaOpen(ctx, pid, true); err != nil {
		a.t.Fatal(err)
	}
	var o ordering.View
	a.do("POST", "/api/v1/orders", customer, map[string]any{"pocha_id": pid,
		"items": []map[string]any{{"menu_item_id": item, "quantity": 1}}}).mustStatus(a.t, http.StatusCreated).decode(a.t, &o)
	if _, err := a.store.BeginPayment(ctx, o.ID, "pk_"+itoa(o.ID), o.Total); err != nil {
		a.t.Fatal(err)
	}
	if _, _, err := a.store.SettlePayment(ctx, o.ID, store.ApprovedPayment{PaymentKey: "pk_" + itoa(o.ID), Amount: o.Total,
		Method: "카드", ApprovedAt: time.Now()}); err != nil {
		a.t.Fatal(err)
	}
	return o
}

// TestDeviceTokens: an owner pairs a box with one stall; its token reaches
// that stall's orders and buttons and nothing else; revoking it ends it.
func TestDeviceTokens(t *testing.T) {
	api := newTestAPI(t, store.SQLite)
	owner, _ := api.signupLogin("owner1", store.RoleOwner)
	other, _ := api.signupLogin("owner2", store.RoleOwner)
	cust, _ := api.signupLogin("cust1", store.RoleCustomer)
	p1, item1 := api.createPocha(owner, "하나포차", 5000)
	p2, item2 := api.createPocha(owner, "둘포차", 5000)
	base := "/api/v1/pochas/" + itoa(p1) + "/devices"

	api.do("POST", base+"/pairing-code", other, nil).mustStatus(t, http.StatusForbidden)
	api.do("POST", base+"/pairing-code", cust, nil).mustStatus(t, http.StatusForbidden)
	var code pos.Code
	api.do("POST", base+"/pairing-code", owner, nil).mustStatus(t, http.StatusCreated).decode(t, &code)
	if len(code.Code) != pos.CodeLen || !code.ExpiresAt.After(time.Now()) {
		t.Fatalf("code: %+v", code)
	}
	if p := api.do("POST", "/api/v1/devices/pair", "", map[string]any{"code": "ABCDEFGH"}).mustStatus(t, 422).problem(t); p.Code != "invalid_pairing_code" {
		t.Fatalf("wrong code: %+v", p)
	}
	api.do("POST", "/api/v1/devices/pair", "", map[string]any{"code": "x"}).mustStatus(t, 422)
	var paired pos.Paired
	api.do("POST", "/api/v1/devices/pair", "", map[string]any{"code": code.Code, "name": "카운터"}).
		mustStatus(t, http.StatusCreated).decode(t, &paired)
	if paired.PochaID != p1 || paired.DeviceID == 0 || paired.Token == "" {
		t.Fatalf("paired: %+v", paired)
	}
	api.do("POST", "/api/v1/devices/pair", "", map[string]any{"code": code.Code}).mustStatus(t, 422) // single use
	dev := paired.Token

	mine := api.paidOrder(cust, p1, item1)
	theirs := api.paidOrder(cust, p2, item2)

	refused := []struct{ name, method, path string }{
		{"me", "GET", "/api/v1/me"},
		{"menu", "POST", "/api/v1/pochas/" + itoa(p1) + "/menu"},
		{"sales", "GET", "/api/v1/pochas/" + itoa(p1) + "/sales"},
		{"settlement", "GET", "/api/v1/pochas/" + itoa(p1) + "/settlements/2025-01"},
		{"patch_pocha", "PATCH", "/api/v1/pochas/" + itoa(p1)},
		{"devices", "GET", base},
		{"pairing_code", "POST", base + "/pairing-code"},
		{"complete", "POST", "/api/v1/orders/" + itoa(mine.ID) + "/complete"},
		{"cancel", "POST", "/api/v1/orders/" + itoa(mine.ID) + "/cancel"},
		{"place", "POST", "/api/v1/orders"},
		{"payment_methods", "GET", "/api/v1/payment-methods"},
	}
	for _, r := range refused {
		t.Run("forbidden_"+r.name, func(t *testing.T) {
			if p := api.do(r.method, r.path, dev, map[string]any{}).mustStatus(t, http.StatusForbidden).problem(t); p.Code != "device_forbidden" {
				t.Fatalf("%s: %+v", r.name, p)
			}
		})
	}
	api.do("GET", "/api/v1/orders?pocha_id="+itoa(p2), dev, nil).mustStatus(t, http.StatusNotFound)
	api.do("GET", "/api/v1/orders/"+itoa(theirs.ID), dev, nil).mustStatus(t, http.StatusNotFound)
	api.do("POST", "/api/v1/orders/"+itoa(theirs.ID)+"/accept", dev, map[string]any{"ready_in_minutes": 5}).mustStatus(t, http.StatusNotFound)
	var page struct{ Items []ordering.View }
	api.do("GET", "/api/v1/orders?status=paid", dev, nil).mustStatus(t, http.StatusOK).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != mine.ID {
		t.Fatalf("device lists %+v", page.Items)
	}
	var acc ordering.View
	api.do("POST", "/api/v1/orders/"+itoa(mine.ID)+"/accept", dev, map[string]any{"ready_in_minutes": 5}).
		mustStatus(t, http.StatusOK).decode(t, &acc)
	if acc.Status != store.OrderAccepted {
		t.Fatalf("accepted: %+v", acc)
	}
	api.do("POST", "/api/v1/orders/"+itoa(mine.ID)+"/ready", dev, nil).mustStatus(t, http.StatusOK)

	var list devicesResponse
	api.do("GET", base, owner, nil).mustStatus(t, http.StatusOK).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != paired.DeviceID || list.Items[0].Name != "카운터" || list.Items[0].Online {
		t.Fatalf("devices: %+v", list)
	}
	api.do("GET", base, other, nil).mustStatus(t, http.StatusForbidden)
	api.do("DELETE", base+"/"+itoa(paired.DeviceID), other, nil).mustStatus(t, http.StatusForbidden)
	api.do("DELETE", base+"/"+itoa(paired.DeviceID), owner, nil).mustStatus(t, http.StatusNoContent)
	api.do("DELETE", base+"/"+itoa(paired.DeviceID), owner, nil).mustStatus(t, http.StatusNotFound)
	api.do("GET", "/api/v1/orders", dev, nil).mustStatus(t, http.StatusUnauthorized)
}

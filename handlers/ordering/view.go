package ordering

import (
	"strconv"
	"strings"
	"time"

	"github.com/illuwa/illuwa/store"
)

// gatewayOrderPrefix starts the order id sent to the payment gateway.
const gatewayOrderPrefix = "illuwa-order-"

// GatewayOrderID is the order id sent to the payment gateway (6..64 characters).
func GatewayOrderID(id uint64) string { return gatewayOrderPrefix + strconv.FormatUint(id, 10) }

// ParseGatewayOrderID reverses GatewayOrderID.
func ParseGatewayOrderID(s string) (uint64, bool) {
	rest, ok := strings.CutPrefix(s, gatewayOrderPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(rest, 10, 64)
	return id, err == nil && id > 0
}

// ItemView is one line of an order.
type ItemView struct {
	MenuItemID uint64 `json:"menu_item_id"`
	Name       string `json:"name"`
	UnitPrice  int64  `json:"unit_price"`
	Quantity   int    `json:"quantity"`
	LineTotal  int64  `json:"line_total"`
}

// View is an order as every way in shows it: the API's answers, the
// order.created and order.updated pushes, the POS and GraphQL.
type View struct {
	ID             uint64     `json:"id"`
	PochaID        uint64     `json:"pocha_id"`
	CustomerID     uint64     `json:"customer_id"`
	Status         string     `json:"status"`
	Items          []ItemView `json:"items"`
	Total          int64      `json:"total"`
	PaymentOrderID string     `json:"payment_order_id"`
	PayAtStall     bool       `json:"pay_at_stall"`
	ReadyInMinutes *int       `json:"ready_in_minutes"`
	ReadyAt        *time.Time `json:"ready_at"`
	PaidAt         *time.Time `json:"paid_at"`
	AcceptedAt     *time.Time `json:"accepted_at"`
	CancelReason   string     `json:"cancel_reason,omitempty"`
	CancelledBy    string     `json:"cancelled_by,omitempty"`
	RefundStatus   string     `json:"refund_status,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// ViewOf is the view of a stored order.
func ViewOf(o store.Order) View {
	out := View{ID: o.ID, PochaID: o.PochaID, CustomerID: o.CustomerID, Status: o.Status, Total: o.Total,
		PaymentOrderID: GatewayOrderID(o.ID), PayAtStall: o.PayAtStall, ReadyInMinutes: o.ReadyInMinutes, ReadyAt: o.ReadyAt, PaidAt: o.PaidAt,
		AcceptedAt: o.AcceptedAt, CancelReason: o.CancelReason, CancelledBy: o.CancelledBy, RefundStatus: o.RefundStatus,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Items: make([]ItemView, 0, len(o.Items))}
	for _, it := range o.Items {
		out.Items = append(out.Items, ItemView{MenuItemID: it.MenuItemID, Name: it.Name, UnitPrice: it.UnitPrice,
			Quantity: it.Quantity, LineTotal: it.LineTotal})
	}
	return out
}

// PaymentView is an order's payment as the API shows it (masked card only).
type PaymentView struct {
	OrderID     uint64     `json:"order_id"`
	PaymentKey  string     `json:"payment_key"`
	Amount      int64      `json:"amount"`
	Status      string     `json:"status"`
	Method      string     `json:"method"`
	CardCompany string     `json:"card_company"`
	CardNumber  string     `json:"card_number"`
	ApprovedAt  *time.Time `json:"approved_at"`
}

// PaymentViewOf is the view of a stored payment.
func PaymentViewOf(p store.Payment) PaymentView {
	return PaymentView{OrderID: p.OrderID, PaymentKey: p.PaymentKey, Amount: p.Amount, Status: p.Status,
		Method: p.Method, CardCompany: p.CardCompany, CardNumber: p.CardNumber, ApprovedAt: p.ApprovedAt}
}

// Confirmed is the answer of a successful confirm.
type Confirmed struct {
	Order   View        `json:"order"`
	Payment PaymentView `json:"payment"`
}

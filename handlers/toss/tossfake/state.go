package tossfake

import (
	"strings"
	"time"
)

// Test card numbers. Any other well-formed number is approved.
const (
	// ApprovedCard is a VISA number that is always approved.
	ApprovedCard = "4330123412341235"
	// DeclinedCard is always declined: confirm answers 403 REJECT_CARD_PAYMENT
	// and billing key issue refuses it the same way.
	DeclinedCard = "4000000000000002"
	// ExhaustedCard registers (billing key issue approves it), but every
	// charge of it is declined with 403 REJECT_CARD_PAYMENT, as a card
	// whose limit is used up.
	ExhaustedCard = "4000000000000069"
)

// state is everything the fake remembers. No field holds a full card number.
type state struct {
	payments map[string]*payment // by paymentKey
	byOrder  map[string]string   // orderId → latest paymentKey
	billing  map[string]*billing // by billingKey
}

func newState() state {
	return state{payments: map[string]*payment{}, byOrder: map[string]string{}, billing: map[string]*billing{}}
}

// card is a card as the fake keeps it: masked.
type card struct {
	IssuerCode string `json:"issuerCode"`
	Company    string `json:"company"`
	Number     string `json:"number"`
	CardType   string `json:"cardType"`
	declined   bool
	exhausted  bool // billing charges are declined
}

type payment struct {
	key, orderID, orderName string
	amount, balance         int64
	status                  string
	requestedAt, approvedAt time.Time
	card                    card
	cancels                 []cancelRecord
	lastTx                  string
}

type cancelRecord struct {
	amount         int64
	reason         string
	at             time.Time
	transactionKey string
}

type billing struct {
	key, customerKey string
	card             card
	authenticatedAt  time.Time
}

// normalizeCard strips spaces and dashes and reports whether what remains is
// 13 to 19 digits.
func normalizeCard(n string) (string, bool) {
	n = strings.NewReplacer(" ", "", "-", "").Replace(n)
	return n, len(n) >= 13 && len(n) <= 19 && allDigits(n)
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// maskCard keeps the first six and last four digits ("433012******1234").
func maskCard(n string) string {
	return n[:6] + strings.Repeat("*", len(n)-10) + n[len(n)-4:]
}

// brand derives the issuer code and name from the number's prefix.
func brand(n string) (code, name string) {
	switch {
	case strings.HasPrefix(n, "34"), strings.HasPrefix(n, "37"):
		return "7A", "AMEX"
	case strings.HasPrefix(n, "35"):
		return "4J", "JCB"
	case strings.HasPrefix(n, "62"):
		return "3C", "UNIONPAY"
	case strings.HasPrefix(n, "36"), strings.HasPrefix(n, "30"), strings.HasPrefix(n, "38"):
		return "6D", "DINERS"
	case n[0] == '4':
		return "4V", "VISA"
	case n[0] == '5', n[0] == '2':
		return "4M", "MASTER"
	case n[0] == '9':
		return "31", "BC"
	}
	return "", "UNKNOWN"
}

// newCard is the masked record of a card number that normalizeCard accepted.
func newCard(n string) card {
	code, name := brand(n)
	return card{IssuerCode: code, Company: name, Number: maskCard(n), CardType: "신용", declined: n == DeclinedCard,
		exhausted: n == ExhaustedCard}
}

// The JSON shapes below follow the real API's payment and billing objects.

type paymentJSON struct {
	MID                string       `json:"mId"`
	Version            string       `json:"version"`
	PaymentKey         string       `json:"paymentKey"`
	Type               string       `json:"type"`
	OrderID            string       `json:"orderId"`
	OrderName          string       `json:"orderName"`
	Currency           string       `json:"currency"`
	Method             *string      `json:"method"`
	Status             string       `json:"status"`
	RequestedAt        string       `json:"requestedAt"`
	ApprovedAt         *string      `json:"approvedAt"`
	TotalAmount        int64        `json:"totalAmount"`
	BalanceAmount      int64        `json:"balanceAmount"`
	LastTransactionKey *string      `json:"lastTransactionKey"`
	Card               *cardJSON    `json:"card"`
	Cancels            []cancelJSON `json:"cancels"`
}

type cardJSON struct {
	IssuerCode            string `json:"issuerCode"`
	AcquirerCode          string `json:"acquirerCode"`
	Number                string `json:"number"`
	InstallmentPlanMonths int    `json:"installmentPlanMonths"`
	CardType              string `json:"cardType"`
	OwnerType             string `json:"ownerType"`
	Amount                int64  `json:"amount"`
}

type cancelJSON struct {
	TransactionKey string `json:"transactionKey"`
	CancelReason   string `json:"cancelReason"`
	CanceledAt     string `json:"canceledAt"`
	CancelAmount   int64  `json:"cancelAmount"`
	CancelStatus   string `json:"cancelStatus"`
}

const timeLayout = "2006-01-02T15:04:05-07:00"

func (s *Server) stamp(t time.Time) string { return t.In(s.kst).Format(timeLayout) }

// render is the API view of p. Callers hold s.mu.
func (s *Server) render(p *payment) paymentJSON {
	j := paymentJSON{
		MID: "tosspayments", Version: "2022-11-16", PaymentKey: p.key, Type: "NORMAL",
		OrderID: p.orderID, OrderName: p.orderName, Currency: "KRW", Status: p.status,
		RequestedAt: s.stamp(p.requestedAt), TotalAmount: p.amount, BalanceAmount: p.balance,
	}
	if p.status != "READY" && p.status != "EXPIRED" {
		method := "카드"
		j.Method = &method
		j.Card = &cardJSON{IssuerCode: p.card.IssuerCode, AcquirerCode: p.card.IssuerCode, Number: p.card.Number,
			CardType: p.card.CardType, OwnerType: "개인", Amount: p.amount}
	}
	if !p.approvedAt.IsZero() {
		a := s.stamp(p.approvedAt)
		j.ApprovedAt = &a
	}
	if p.lastTx != "" {
		j.LastTransactionKey = &p.lastTx
	}
	for _, c := range p.cancels {
		j.Cancels = append(j.Cancels, cancelJSON{c.transactionKey, c.reason, s.stamp(c.at), c.amount, "DONE"})
	}
	return j
}

type billingJSON struct {
	MID             string   `json:"mId"`
	CustomerKey     string   `json:"customerKey"`
	AuthenticatedAt string   `json:"authenticatedAt"`
	Method          string   `json:"method"`
	BillingKey      string   `json:"billingKey"`
	Card            cardJSON `json:"card"`
	CardCompany     string   `json:"cardCompany"`
	CardNumber      string   `json:"cardNumber"`
}

func (s *Server) renderBilling(b *billing) billingJSON {
	return billingJSON{
		MID: "tosspayments", CustomerKey: b.customerKey, AuthenticatedAt: s.stamp(b.authenticatedAt),
		Method: "카드", BillingKey: b.key, CardCompany: b.card.Company, CardNumber: b.card.Number,
		Card: cardJSON{IssuerCode: b.card.IssuerCode, AcquirerCode: b.card.IssuerCode, Number: b.card.Number,
			CardType: b.card.CardType, OwnerType: "개인"},
	}
}

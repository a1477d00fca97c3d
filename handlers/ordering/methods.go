package ordering

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/store"
)

// MethodView is a saved card as the API shows it: no billing key,
// no full number.
type MethodView struct {
	ID uint64 `json:"id"`
	// CardBound: a POS card token is bound to it (pay at the stall).
	CardBound    bool      `json:"card_bound"`
	Brand        string    `json:"brand"`
	MaskedNumber string    `json:"masked_number"`
	Nickname     string    `json:"nickname"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func MethodViewOf(m store.PaymentMethod) MethodView {
	return MethodView{ID: m.ID, CardBound: m.CardTokenHash != nil, Brand: m.Brand, MaskedNumber: m.MaskedNumber, Nickname: m.Nickname,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
}

// Card registers a card. The number goes to the gateway only and is never
// stored or logged.
type Card struct {
	CardNumber string `json:"card_number"`
	ExpMonth   int    `json:"exp_month"`
	ExpYear    int    `json:"exp_year"`
	Nickname   string `json:"nickname"`
}

// luhnValid reports whether digits pass the Luhn check.
func luhnValid(digits string) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// validate normalises the number and checks it, the expiry (not past, in
// Korea time) and the nickname. Messages never echo the number.
func (r *Card) validate(now time.Time) error {
	var cs check.Fields
	r.CardNumber = strings.NewReplacer(" ", "", "-", "").Replace(r.CardNumber)
	n := r.CardNumber
	cs.Add(len(n) < 13 || len(n) > 19 || !allDigits(n) || !luhnValid(n), "card_number", "must be a valid card number of 13 to 19 digits")
	cs.Add(r.ExpMonth < 1 || r.ExpMonth > 12, "exp_month", "must be 1 to 12")
	if r.ExpYear >= 0 && r.ExpYear < 100 {
		r.ExpYear += 2000
	}
	cs.Add(r.ExpYear < 2000 || r.ExpYear > 2099, "exp_year", "must be a year like 2029 or 29")
	if r.ExpMonth >= 1 && r.ExpMonth <= 12 && r.ExpYear >= 2000 && r.ExpYear <= 2099 {
		end := time.Date(r.ExpYear, time.Month(r.ExpMonth)+1, 1, 0, 0, 0, 0, Seoul())
		cs.Add(!end.After(now), "exp_year", "the card has expired")
	}
	r.Nickname = strings.TrimSpace(r.Nickname)
	cs.Add(check.Len(r.Nickname) > 30, "nickname", "at most 30 characters")
	return cs.Err()
}

// Methods lists the customer's saved cards.
func (s *Service) Methods(ctx context.Context, userID uint64) ([]MethodView, error) {
	ms, err := s.store.PaymentMethods(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]MethodView, 0, len(ms))
	for _, m := range ms {
		out = append(out, MethodViewOf(m))
	}
	return out, nil
}

// RegisterCard registers a card at the gateway and keeps only its billing
// key, brand and masked number. A refusal is ErrCardRejected with the
// gateway's message; no answer is ErrGatewayDown.
func (s *Service) RegisterCard(ctx context.Context, userID uint64, req Card) (MethodView, error) {
	if err := req.validate(time.Now()); err != nil {
		return MethodView{}, err
	}
	if s.pay == nil {
		return MethodView{}, ErrPaymentsOff
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.PaymentTimeout)
	defer cancel()
	id := strconv.FormatUint(userID, 10)
	bk, err := s.pay.IssueBillingKey(pctx, "billing-"+uuid.NewString(), toss.BillingRequest{
		CustomerKey: "illuwa-user-" + id, CardNumber: req.CardNumber,
		ExpYear: strconv.Itoa(req.ExpYear % 100), ExpMonth: twoDigits(req.ExpMonth)})
	req.CardNumber = ""
	if err != nil {
		return MethodView{}, gatewayError(err, "the card was refused")
	}
	brand := bk.Card.Company
	if brand == "" {
		brand = "CARD"
	}
	masked := MaskCardNumber(bk.Card.Number)
	m := store.PaymentMethod{UserID: userID, Brand: brand, MaskedNumber: masked, BillingKey: bk.BillingKey, Nickname: req.Nickname}
	if m.Nickname == "" && len(masked) >= 4 {
		m.Nickname = brand + " " + masked[len(masked)-4:]
	}
	if err := s.store.CreatePaymentMethod(ctx, &m); err != nil {
		return MethodView{}, err
	}
	return MethodViewOf(m), nil
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// gatewayError maps a gateway error of a card operation: a refusal is
// ErrCardRejected with the gateway's message, an unknown outcome
// ErrGatewayDown.
func gatewayError(err error, fallback string) error {
	if errors.Is(err, toss.ErrRejected) {
		detail := fallback
		if ge, ok := toss.AsError(err); ok && ge.Message != "" {
			detail = ge.Message
		}
		return check.Explain(ErrCardRejected, detail)
	}
	if errors.Is(err, toss.ErrUnavailable) {
		return ErrGatewayDown
	}
	return err
}

// RenameMethod renames one of the customer's saved cards (1 to 30 characters).
func (s *Service) RenameMethod(ctx context.Context, userID, id uint64, nickname *string) (MethodView, error) {
	if nickname == nil || check.Blank(*nickname) || check.Len(strings.TrimSpace(*nickname)) > 30 {
		return MethodView{}, check.Field("nickname", "must be 1 to 30 characters")
	}
	m, err := s.store.RenamePaymentMethod(ctx, userID, id, strings.TrimSpace(*nickname))
	if err != nil {
		return MethodView{}, err
	}
	return MethodViewOf(m), nil
}

// DeleteMethod deletes the billing key at the gateway (one the gateway no
// longer knows is fine), then the record.
func (s *Service) DeleteMethod(ctx context.Context, userID, id uint64) error {
	m, err := s.store.PaymentMethodByID(ctx, userID, id)
	if err != nil {
		return err
	}
	if s.pay != nil {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.PaymentTimeout)
		defer cancel()
		err := s.pay.DeleteBillingKey(pctx, "delete-billing-"+strconv.FormatUint(m.ID, 10), m.BillingKey)
		if ge, ok := toss.AsError(err); err != nil && !(ok && ge.Code == toss.CodeNotFoundBillingKey) {
			return gatewayError(err, "the gateway refused to delete the card")
		}
	}
	return s.store.DeletePaymentMethod(ctx, userID, m.ID)
}

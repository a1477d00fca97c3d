package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/store"
)

// paymentMethodResponse is a saved card as the API shows it: no billing key,
// no full number.
type paymentMethodResponse struct {
	ID           uint64    `json:"id"`
	Brand        string    `json:"brand"`
	MaskedNumber string    `json:"masked_number"`
	Nickname     string    `json:"nickname"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func toPaymentMethod(m store.PaymentMethod) paymentMethodResponse {
	return paymentMethodResponse{ID: m.ID, Brand: m.Brand, MaskedNumber: m.MaskedNumber, Nickname: m.Nickname,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
}

// cardRequest registers a card. The number goes to the gateway only and is
// never stored or logged.
type cardRequest struct {
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
func (r *cardRequest) validate(now time.Time) error {
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
		end := time.Date(r.ExpYear, time.Month(r.ExpMonth)+1, 1, 0, 0, 0, 0, seoul())
		cs.Add(!end.After(now), "exp_year", "the card has expired")
	}
	r.Nickname = strings.TrimSpace(r.Nickname)
	cs.Add(check.Len(r.Nickname) > 30, "nickname", "at most 30 characters")
	return cs.Err()
}

func (s *Server) listPaymentMethods(c *gin.Context) {
	ms, err := s.store.PaymentMethods(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]paymentMethodResponse, 0, len(ms))
	for _, m := range ms {
		out = append(out, toPaymentMethod(m))
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

// createPaymentMethod registers a card at the gateway and keeps only its
// billing key, brand and masked number.
func (s *Server) createPaymentMethod(c *gin.Context) {
	var req cardRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := req.validate(time.Now()); err != nil {
		fail(c, err)
		return
	}
	if s.pay == nil {
		fail(c, errorf(http.StatusServiceUnavailable, "payments_unavailable", "card payments are not configured"))
		return
	}
	ctx := c.Request.Context()
	u := currentUser(c)
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.PaymentTimeout)
	defer cancel()
	bk, err := s.pay.IssueBillingKey(pctx, "billing-"+uuid.NewString(), toss.BillingRequest{
		CustomerKey: "illuwa-user-" + itoa(u.ID), CardNumber: req.CardNumber,
		ExpYear: strconv.Itoa(req.ExpYear % 100), ExpMonth: twoDigits(req.ExpMonth)})
	req.CardNumber = ""
	if err != nil {
		fail(c, gatewayProblem(err, "the card was refused"))
		return
	}
	brand := bk.Card.Company
	if brand == "" {
		brand = "CARD"
	}
	masked := maskCardNumber(bk.Card.Number)
	m := store.PaymentMethod{UserID: u.ID, Brand: brand, MaskedNumber: masked, BillingKey: bk.BillingKey, Nickname: req.Nickname}
	if m.Nickname == "" && len(masked) >= 4 {
		m.Nickname = brand + " " + masked[len(masked)-4:]
	}
	if err := s.store.CreatePaymentMethod(ctx, &m); err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/payment-methods/"+itoa(m.ID))
	c.JSON(http.StatusCreated, toPaymentMethod(m))
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// gatewayProblem maps a gateway error: a refusal is 402 with the gateway's
// message, an unknown outcome 503.
func gatewayProblem(err error, fallback string) error {
	if errors.Is(err, toss.ErrRejected) {
		e := errorf(http.StatusPaymentRequired, "card_rejected", fallback)
		if ge, ok := toss.AsError(err); ok && ge.Message != "" {
			e.detail = ge.Message
		}
		return e
	}
	if errors.Is(err, toss.ErrUnavailable) {
		return errorf(http.StatusServiceUnavailable, "gateway_unavailable", "the payment gateway did not answer; try again")
	}
	return err
}

type renameRequest struct {
	Nickname *string `json:"nickname"`
}

func (s *Server) patchPaymentMethod(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req renameRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.Nickname == nil || check.Blank(*req.Nickname) || check.Len(strings.TrimSpace(*req.Nickname)) > 30 {
		fail(c, validationError([]FieldError{{Field: "nickname", Message: "must be 1 to 30 characters"}}))
		return
	}
	m, err := s.store.RenamePaymentMethod(c.Request.Context(), currentUser(c).ID, id, strings.TrimSpace(*req.Nickname))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toPaymentMethod(m))
}

// deletePaymentMethod deletes the billing key at the gateway, then the record.
func (s *Server) deletePaymentMethod(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	u := currentUser(c)
	m, err := s.store.PaymentMethodByID(ctx, u.ID, id)
	if err != nil {
		fail(c, err)
		return
	}
	if s.pay != nil {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.PaymentTimeout)
		defer cancel()
		err := s.pay.DeleteBillingKey(pctx, "delete-billing-"+itoa(m.ID), m.BillingKey)
		if ge, ok := toss.AsError(err); err != nil && !(ok && ge.Code == toss.CodeNotFoundBillingKey) {
			fail(c, gatewayProblem(err, "the gateway refused to delete the card"))
			return
		}
	}
	if err := s.store.DeletePaymentMethod(ctx, u.ID, m.ID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

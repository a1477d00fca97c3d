package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/store"
)

// How long a repeated confirm waits for the first one with the same
// Idempotency-Key to finish before answering 409 in_progress.
const (
	idemWait = 5 * time.Second
	idemPoll = 25 * time.Millisecond
)

// idemStaleAfter is how long a claimed Idempotency-Key may stay without an
// answer before a retry with the same request takes it over: far longer than
// a living confirm takes (its gateway call is bounded by PaymentTimeout), so
// only a request whose process died is taken over. Running it again is safe:
// the gateway key is derived from the order.
func (s *Server) idemStaleAfter() time.Duration {
	return max(2*time.Minute, 2*s.opts.PaymentTimeout+idemWait)
}

type confirmRequest struct {
	OrderID    uint64 `json:"order_id"`
	PaymentKey string `json:"payment_key"`
	Amount     int64  `json:"amount"`
}

// paymentResponse is an order's payment as the API shows it (masked card only).
type paymentResponse struct {
	OrderID     uint64     `json:"order_id"`
	PaymentKey  string     `json:"payment_key"`
	Amount      int64      `json:"amount"`
	Status      string     `json:"status"`
	Method      string     `json:"method"`
	CardCompany string     `json:"card_company"`
	CardNumber  string     `json:"card_number"`
	ApprovedAt  *time.Time `json:"approved_at"`
}

func toPayment(p store.Payment) paymentResponse {
	return paymentResponse{OrderID: p.OrderID, PaymentKey: p.PaymentKey, Amount: p.Amount, Status: p.Status,
		Method: p.Method, CardCompany: p.CardCompany, CardNumber: p.CardNumber, ApprovedAt: p.ApprovedAt}
}

// confirmResponse is the answer of a successful confirm.
type confirmResponse struct {
	Order   orderResponse   `json:"order"`
	Payment paymentResponse `json:"payment"`
}

// captured is a finished answer: stored under the Idempotency-Key when final.
type captured struct {
	status int
	body   []byte
	final  bool // replay it to a retry; false lets a retry run again
}

func answerJSON(status int, v any) captured {
	b, _ := json.Marshal(v)
	return captured{status: status, body: b, final: true}
}

func answerProblem(c *gin.Context, ae *apiError, final bool) captured {
	p := Problem{Type: "urn:illuwa:problem:" + ae.code, Title: http.StatusText(ae.status), Status: ae.status,
		Detail: ae.detail, Instance: c.Request.URL.Path, Code: ae.code, Errors: ae.fields}
	b, _ := json.Marshal(p)
	return captured{status: ae.status, body: b, final: final}
}

func writeCaptured(c *gin.Context, a captured) {
	ct := "application/json"
	if a.status >= 400 {
		ct = "application/problem+json"
	}
	c.Data(a.status, ct, a.body)
}

// confirmPayment confirms the gateway payment of the caller's order under a
// required Idempotency-Key: a retry with the same key and body gets the first
// answer; the gateway is called with a key derived from the order, so nothing
// is charged twice.
func (s *Server) confirmPayment(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if len(key) < 8 || len(key) > 64 || !validRequestID(key) {
		fail(c, errorf(http.StatusBadRequest, "idempotency_key_required",
			"send an Idempotency-Key header of 8 to 64 characters (letters, digits, '-', '_', '.')"))
		return
	}
	var req confirmRequest
	if !bindJSON(c, &req) {
		return
	}
	var cs check.Fields
	cs.Add(req.OrderID == 0, "order_id", "required")
	cs.Add(req.PaymentKey == "" || len(req.PaymentKey) > 200, "payment_key", "required, at most 200 characters")
	cs.Add(req.Amount <= 0, "amount", "must be a positive number of won")
	if err := cs.Err(); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	me := currentUser(c).ID
	canon, _ := json.Marshal(req)
	sum := sha256.Sum256(canon)
	hash := hex.EncodeToString(sum[:])

	rec, fresh, err := s.store.BeginIdempotent(ctx, me, key, hash, time.Now().Add(-s.idemStaleAfter()))
	if err != nil {
		fail(c, err)
		return
	}
	if !fresh {
		s.replayIdempotent(c, rec, hash)
		return
	}
	a := s.doConfirm(c, req)
	// Store or release under a context the client cannot cancel.
	bg := context.WithoutCancel(ctx)
	if a.final {
		err = s.store.FinishIdempotent(bg, rec.ID, a.status, a.body)
	} else {
		err = s.store.ReleaseIdempotent(bg, rec.ID)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "idempotency record not saved", slog.String("error", err.Error()))
	}
	writeCaptured(c, a)
}

// replayIdempotent answers a request whose key was used before: the stored
// answer for the same body, 422 for another body, and for a first request still
// running, its answer once it is done (or 409 in_progress after idemWait).
func (s *Server) replayIdempotent(c *gin.Context, rec store.IdempotencyRecord, hash string) {
	if rec.RequestHash != hash {
		fail(c, errorf(http.StatusUnprocessableEntity, "idempotency_key_reused", "this Idempotency-Key was used with a different request"))
		return
	}
	ctx := c.Request.Context()
	deadline := time.Now().Add(idemWait)
	for rec.State != store.IdemDone {
		if time.Now().After(deadline) {
			fail(c, errorf(http.StatusConflict, "in_progress", "a request with this Idempotency-Key is still running; retry shortly"))
			return
		}
		select {
		case <-ctx.Done():
			fail(c, ctx.Err())
			return
		case <-time.After(idemPoll):
		}
		var err error
		rec, err = s.store.IdempotencyRecord(ctx, rec.UserID, rec.IdemKey)
		if errors.Is(err, store.ErrNotFound) {
			fail(c, errorf(http.StatusConflict, "in_progress", "the earlier request with this Idempotency-Key ended without an answer; retry"))
			return
		}
		if err != nil {
			fail(c, err)
			return
		}
	}
	c.Header("Idempotent-Replayed", "true")
	writeCaptured(c, captured{status: rec.ResponseStatus, body: rec.ResponseBody})
}

// doConfirm runs one confirm and returns its answer.
func (s *Server) doConfirm(c *gin.Context, req confirmRequest) captured {
	ctx := c.Request.Context()
	o, err := s.store.OrderByID(ctx, req.OrderID)
	if err != nil || o.CustomerID != currentUser(c).ID {
		if err == nil || errors.Is(err, store.ErrNotFound) {
			return answerProblem(c, errNotFound, true)
		}
		return answerProblem(c, errorf(http.StatusInternalServerError, "internal", "something went wrong on our side; try again"), false)
	}
	if req.Amount != o.Total {
		e := errorf(http.StatusUnprocessableEntity, "amount_mismatch", "the amount is not the order's total")
		e.fields = []FieldError{{Field: "amount", Message: "must equal the order total " + strconv.FormatInt(o.Total, 10)}}
		return answerProblem(c, e, true)
	}
	if s.pay == nil {
		return answerProblem(c, errorf(http.StatusServiceUnavailable, "payments_unavailable", "card payments are not configured"), false)
	}
	if o.Status != store.OrderPendingPayment {
		if p, err := s.store.PaymentByOrder(ctx, o.ID); err == nil && p.Status == store.PaymentDone && p.PaymentKey == req.PaymentKey {
			return answerJSON(http.StatusOK, confirmResponse{Order: toOrder(o), Payment: toPayment(p)})
		}
		return answerProblem(c, errorf(http.StatusConflict, "invalid_transition", "the order is "+o.Status+" and cannot be paid"), true)
	}
	p, err := s.store.BeginPayment(ctx, o.ID, req.PaymentKey, o.Total)
	switch {
	case errors.Is(err, store.ErrPaymentInProgress):
		return answerProblem(c, errorf(http.StatusConflict, "in_progress", "a payment of this order is being processed; retry shortly"), false)
	case errors.Is(err, store.ErrInvalidTransition):
		// Cancelled since the check above: nothing is sent to the gateway.
		o, _ = s.store.OrderByID(ctx, o.ID)
		return answerProblem(c, errorf(http.StatusConflict, "invalid_transition", "the order is "+o.Status+" and cannot be paid"), true)
	case errors.Is(err, store.ErrPaymentSettled):
		if p.PaymentKey == req.PaymentKey {
			o, _ = s.store.OrderByID(ctx, o.ID)
			return answerJSON(http.StatusOK, confirmResponse{Order: toOrder(o), Payment: toPayment(p)})
		}
		return answerProblem(c, errorf(http.StatusConflict, "already_paid", "the order is already paid"), true)
	case err != nil:
		logger(c).ErrorContext(ctx, "begin payment", slog.String("error", err.Error()))
		return answerProblem(c, errorf(http.StatusInternalServerError, "internal", "something went wrong on our side; try again"), false)
	}

	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.PaymentTimeout)
	defer cancel()
	tp, err := s.pay.Confirm(pctx, confirmIdemKey(o.ID, p.Attempt),
		toss.ConfirmRequest{PaymentKey: req.PaymentKey, OrderID: gatewayOrderID(o.ID), Amount: o.Total})
	if ge, ok := toss.AsError(err); ok && ge.Code == toss.CodeAlreadyProcessedPayment {
		// An earlier confirm decided it: ask the gateway what it decided.
		tp, err = s.pay.Payment(pctx, req.PaymentKey)
		switch {
		case err != nil, tp.Status == toss.StatusDone:
		case tp.Status == toss.StatusInProgress:
			// Another confirm of it is still running: the outcome is open.
			err = fmt.Errorf("handlers: payment of order %d still in progress: %w", o.ID, toss.ErrUnavailable)
		default:
			err = &toss.Error{Status: http.StatusBadRequest, Code: toss.CodeAlreadyProcessedPayment, Message: "the payment was already processed"}
		}
	}
	bg := context.WithoutCancel(ctx)
	switch {
	case err == nil:
		out, ok := s.applyGatewayPayment(bg, o, tp)
		if !ok {
			_ = s.store.MarkPaymentUnknown(bg, o.ID, time.Now())
			return answerProblem(c, errorf(http.StatusBadGateway, "payment_unknown", "the gateway's answer did not match the order; it will be checked"), false)
		}
		pay, err := s.store.PaymentByOrder(bg, o.ID)
		if err != nil {
			return answerProblem(c, errorf(http.StatusInternalServerError, "internal", "something went wrong on our side; try again"), false)
		}
		return answerJSON(http.StatusOK, confirmResponse{Order: toOrder(out), Payment: toPayment(pay)})
	case errors.Is(err, toss.ErrRejected):
		if err := s.store.MarkPaymentRejected(bg, o.ID); err != nil {
			logger(c).ErrorContext(ctx, "mark payment rejected", slog.String("error", err.Error()))
		}
		msg := "the card payment was declined"
		e := errorf(http.StatusPaymentRequired, "payment_rejected", msg)
		if ge, ok := toss.AsError(err); ok && ge.Message != "" {
			e.detail = ge.Message
		}
		return answerProblem(c, e, true)
	default:
		// Timeouts, 5xx, lost answers: the card may have been charged. Never
		// paid without the gateway's word; the reconciler looks it up.
		logger(c).WarnContext(ctx, "payment outcome unknown", slog.Uint64("order_id", o.ID), slog.String("error", err.Error()))
		if err := s.store.MarkPaymentUnknown(bg, o.ID, time.Now()); err != nil {
			logger(c).ErrorContext(ctx, "mark payment unknown", slog.String("error", err.Error()))
		}
		return answerProblem(c, errorf(http.StatusServiceUnavailable, "payment_unknown",
			"the payment gateway did not answer; the payment will be checked and the order updated"), false)
	}
}

// confirmIdemKey is the gateway Idempotency-Key of a confirm: one per order and
// attempt (an attempt is used up only by a decline), whatever key the client sent.
func confirmIdemKey(orderID uint64, attempt int) string {
	return "confirm-" + itoa(orderID) + "-" + strconv.Itoa(attempt)
}

// applyGatewayPayment applies what the gateway says about the order's payment:
// a DONE payment of this order for its total makes the order paid (and pushes
// order.created) or, if it was cancelled meanwhile, queues a refund. It reports
// false when the payment is not a DONE payment matching the order.
func (s *Server) applyGatewayPayment(ctx context.Context, o store.Order, tp *toss.Payment) (store.Order, bool) {
	if tp == nil || tp.Status != toss.StatusDone || tp.OrderID != gatewayOrderID(o.ID) || tp.TotalAmount != o.Total {
		return o, false
	}
	a := store.ApprovedPayment{PaymentKey: tp.PaymentKey, Amount: tp.TotalAmount, Method: tp.Method, ApprovedAt: tp.ApprovedAt}
	if tp.Card != nil {
		a.CardCompany, a.CardNumber = tp.Card.Company, maskCardNumber(tp.Card.Number)
	}
	if a.ApprovedAt.IsZero() {
		a.ApprovedAt = time.Now()
	}
	out, paidNow, err := s.store.SettlePayment(ctx, o.ID, a)
	if err != nil {
		s.log.ErrorContext(ctx, "settle payment", slog.Uint64("order_id", o.ID), slog.String("error", err.Error()))
		return o, false
	}
	if paidNow {
		s.pushOrder(ctx, out, true)
	}
	return out, true
}

// maskCardNumber keeps at most the first six and last four digits of what the
// gateway returned (it is already masked; this is a second guard).
func maskCardNumber(n string) string {
	if len(n) <= 10 {
		return strings.Repeat("*", len(n))
	}
	return n[:6] + strings.Repeat("*", len(n)-10) + n[len(n)-4:]
}

// paymentWebhook handles the gateway's PAYMENT_STATUS_CHANGED events. The
// body is trusted for nothing but the payment key: the payment is looked up at
// the gateway and that answer is applied, idempotently. 200 means committed; a
// failed lookup is 502 so the gateway retries.
func (s *Server) paymentWebhook(c *gin.Context) {
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		fail(c, jsonProblem(err))
		return
	}
	ev, err := toss.ParseWebhook(raw)
	if err != nil {
		fail(c, errorf(http.StatusBadRequest, "malformed_webhook", "the body is not a gateway event"))
		return
	}
	if ev.EventType != toss.EventPaymentStatusChanged {
		c.JSON(http.StatusOK, gin.H{"status": "ignored"})
		return
	}
	if s.pay == nil {
		fail(c, errorf(http.StatusServiceUnavailable, "payments_unavailable", "card payments are not configured"))
		return
	}
	ctx := c.Request.Context()
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.PaymentTimeout)
	defer cancel()
	tp, err := s.pay.Payment(pctx, ev.PaymentKey)
	if err != nil {
		if ge, ok := toss.AsError(err); ok && ge.Code == toss.CodeNotFoundPayment {
			c.JSON(http.StatusOK, gin.H{"status": "ignored"})
			return
		}
		logger(c).WarnContext(ctx, "webhook lookup failed", slog.String("error", err.Error()))
		fail(c, errorf(http.StatusBadGateway, "gateway_unavailable", "the payment could not be looked up; retry later"))
		return
	}
	id, ok := parseGatewayOrderID(tp.OrderID)
	if !ok {
		c.JSON(http.StatusOK, gin.H{"status": "ignored"})
		return
	}
	o, err := s.store.OrderByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		c.JSON(http.StatusOK, gin.H{"status": "ignored"})
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	if tp.Status == toss.StatusDone {
		if tp.TotalAmount != o.Total {
			logger(c).ErrorContext(ctx, "webhook payment does not match its order", slog.Uint64("order_id", o.ID))
			c.JSON(http.StatusOK, gin.H{"status": "ignored"})
			return
		}
		if _, ok := s.applyGatewayPayment(context.WithoutCancel(ctx), o, tp); !ok {
			fail(c, errorf(http.StatusInternalServerError, "internal", "the payment could not be applied; retry later"))
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "applied"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ignored"})
}

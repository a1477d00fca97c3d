package ordering

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// The refusals of POS devices and pay at the stall.
var (
	ErrDeviceForbidden = errors.New("ordering: a POS device may not do this")
	ErrUnknownCard     = errors.New("ordering: the card is not registered as a payment method")
	ErrNotAtStall      = errors.New("ordering: the order is not to be paid at the stall")
	ErrPochaPaused     = errors.New("ordering: the stall is not taking orders right now")
)

// Device is a POS device acting on its stall's orders (see pos.Device).
type Device struct {
	ID      uint64
	PochaID uint64
	OwnerID uint64
}

// StallPusher is an optional extension of notify.Pusher: it reaches a
// stall's POS devices; a *realtime.Hub satisfies it.
type StallPusher interface {
	PublishStall(ctx context.Context, pochaID uint64, msgType string, body any) error
}

// Gate tells whether a stall takes new orders now beyond being open (its
// POS or owner screens are online); a *pos.Service satisfies it.
type Gate interface {
	Accepting(ctx context.Context, p store.Pocha) bool
}

// deviceActions are what a box's buttons do.
var deviceActions = map[Action]bool{Accept: true, Reject: true, Ready: true}

// DeviceAct applies a box's button to an order of the device's stall:
// accept, reject or ready only (else ErrDeviceForbidden); an order of
// another stall does not exist (store.ErrNotFound).
func (s *Service) DeviceAct(ctx context.Context, d Device, orderID uint64, a Action, p ActParams) (View, error) {
	if !deviceActions[a] {
		return View{}, ErrDeviceForbidden
	}
	o, err := s.store.OrderByID(ctx, orderID)
	if err != nil {
		return View{}, err
	}
	if o.PochaID != d.PochaID {
		return View{}, store.ErrNotFound
	}
	return s.Act(ctx, d.OwnerID, orderID, a, p)
}

// DeviceOrder is an order of the device's stall; any other is store.ErrNotFound.
func (s *Service) DeviceOrder(ctx context.Context, d Device, orderID uint64) (View, error) {
	o, err := s.store.OrderByID(ctx, orderID)
	if err != nil {
		return View{}, err
	}
	if o.PochaID != d.PochaID {
		return View{}, store.ErrNotFound
	}
	return ViewOf(o), nil
}

// DeviceAck records that the device's box showed an order of its stall;
// any other order is ErrNoSuchAck. Acknowledging twice is fine.
func (s *Service) DeviceAck(ctx context.Context, d Device, orderID uint64) error {
	err := s.store.AckDeviceOrder(ctx, orderID, d.ID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoSuchAck
	}
	return err
}

// DeviceWelcome lists order.created for every order the device's box has
// not acknowledged: its stall's paid orders and those waiting to be paid
// at the stall, oldest first.
func (s *Service) DeviceWelcome(ctx context.Context, d Device) ([]any, error) {
	orders, err := s.store.UnackedDeviceOrders(ctx, d.ID, d.PochaID, maxWelcomeOrders)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(orders))
	for _, o := range orders {
		raw, err := json.Marshal(ViewOf(o))
		if err != nil {
			return nil, err
		}
		out = append(out, realtime.OrderMessage{Type: realtime.TypeOrderCreated, Order: raw, ServerTime: time.Now().UTC()})
	}
	return out, nil
}

// CardTokenHash is how a card's POS token is kept: hashed, normalised to
// lower-case hex.
func CardTokenHash(token string) string {
	sum := sha256.Sum256([]byte("illuwa-card:" + strings.ToLower(strings.TrimSpace(token))))
	return hex.EncodeToString(sum[:])
}

// validCardToken reports whether token looks like a box's card token: 16
// hexadecimal digits.
func validCardToken(token string) bool {
	if len(token) != 16 {
		return false
	}
	_, err := hex.DecodeString(token)
	return err == nil
}

// BindCard binds the card token a POS box reads (16 hex digits, shown on
// the box or by `illuwa pos-bridge`) to the customer's saved card, so a tap
// at any stall pays with it; an empty token unbinds it. A token bound to
// another saved card is store.ErrConflict.
func (s *Service) BindCard(ctx context.Context, userID, methodID uint64, token string) (MethodView, error) {
	token = strings.ToLower(strings.TrimSpace(token))
	var h *string
	if token != "" {
		if !validCardToken(token) {
			return MethodView{}, check.Field("card_token", "must be the 16 hexadecimal digits the POS box shows for the card")
		}
		v := CardTokenHash(token)
		h = &v
	}
	m, err := s.store.BindCardToken(ctx, userID, methodID, h)
	if err != nil {
		return MethodView{}, err
	}
	return MethodViewOf(m), nil
}

// TapResult is the answer to a tap: whether the order is paid, and the code
// the box shows (DONE, or why not).
type TapResult struct {
	OrderID  uint64
	Approved bool
	Code     string
	Message  string
}

// PayAtStall charges, for an order of the device's stall placed to be paid
// at the stall, the saved card whose token the box read, through the
// gateway's billing-key charge. The gateway call carries an Idempotency-Key
// derived from the order and attempt, so a repeated tap never charges
// twice; a tap on a paid order answers approved again. Refusals that the
// box shows (unknown card, declined, not payable) are results, not errors.
func (s *Service) PayAtStall(ctx context.Context, d Device, token string, orderID uint64) (TapResult, error) {
	res := TapResult{OrderID: orderID}
	o, err := s.store.OrderByID(ctx, orderID)
	if err == nil && o.PochaID != d.PochaID {
		err = store.ErrNotFound
	}
	if err != nil {
		return res, err
	}
	if o.Status != store.OrderPendingPayment {
		if p, err := s.store.PaymentByOrder(ctx, o.ID); err == nil && p.Status == store.PaymentDone {
			res.Approved, res.Code = true, toss.StatusDone
			return res, nil
		}
		res.Code, res.Message = "NOT_PAYABLE", "the order is "+o.Status
		return res, nil
	}
	if !o.PayAtStall {
		res.Code, res.Message = "NOT_AT_STALL", "the order is paid online"
		return res, nil
	}
	if !validCardToken(strings.ToLower(token)) {
		res.Code, res.Message = "UNKNOWN_CARD", "the card is not registered"
		return res, nil
	}
	m, err := s.store.PaymentMethodByCardToken(ctx, CardTokenHash(token))
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.UserID != o.CustomerID) {
		// Only the customer who ordered pays with their own card.
		res.Code, res.Message = "UNKNOWN_CARD", "the card is not registered by the customer of this order"
		return res, nil
	}
	if err != nil {
		return res, err
	}
	if s.pay == nil {
		return res, ErrPaymentsOff
	}
	p, err := s.store.BeginPayment(ctx, o.ID, "billing:"+strconv.FormatUint(m.ID, 10), o.Total)
	switch {
	case errors.Is(err, store.ErrPaymentInProgress):
		res.Code, res.Message = "IN_PROGRESS", "a payment of this order is being processed"
		return res, nil
	case errors.Is(err, store.ErrPaymentSettled):
		res.Approved, res.Code = true, toss.StatusDone
		return res, nil
	case errors.Is(err, store.ErrInvalidTransition):
		res.Code, res.Message = "NOT_PAYABLE", "the order can no longer be paid"
		return res, nil
	case err != nil:
		return res, fmt.Errorf("ordering: begin stall payment: %w", err)
	}
	defer s.holdLease(o.ID, p.Attempt)()
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.PaymentTimeout)
	defer cancel()
	tp, err := s.pay.ChargeBillingKey(pctx, "stall-"+strconv.FormatUint(o.ID, 10)+"-"+strconv.Itoa(p.Attempt), m.BillingKey,
		toss.BillingChargeRequest{CustomerKey: "illuwa-user-" + strconv.FormatUint(o.CustomerID, 10), Amount: o.Total,
			OrderID: GatewayOrderID(o.ID), OrderName: "주문 #" + strconv.FormatUint(o.ID, 10)})
	bg := context.WithoutCancel(ctx)
	switch {
	case err == nil:
		if _, ok := s.applyGatewayPayment(bg, o, tp); !ok {
			_ = s.store.MarkPaymentUnknown(bg, o.ID, time.Now())
			res.Code, res.Message = "PAYMENT_UNKNOWN", "the gateway's answer will be checked"
			return res, nil
		}
		res.Approved, res.Code = true, toss.StatusDone
		return res, nil
	case errors.Is(err, toss.ErrRejected):
		if err := s.store.MarkPaymentRejected(bg, o.ID); err != nil {
			s.log.ErrorContext(ctx, "mark payment rejected", slog.String("error", err.Error()))
		}
		res.Code = "REJECT_CARD_PAYMENT"
		if ge, ok := toss.AsError(err); ok {
			res.Code, res.Message = ge.Code, ge.Message
		}
		return res, nil
	default:
		s.log.WarnContext(ctx, "stall payment outcome unknown", slog.Uint64("order_id", o.ID), slog.String("error", err.Error()))
		if err := s.store.MarkPaymentUnknown(bg, o.ID, time.Now()); err != nil {
			s.log.ErrorContext(ctx, "mark payment unknown", slog.String("error", err.Error()))
		}
		res.Code, res.Message = "PAYMENT_UNKNOWN", "the gateway did not answer; the payment will be checked"
		return res, nil
	}
}

// pushStall tells the stall's POS devices about an order.
func (s *Service) pushStall(ctx context.Context, o store.Order, typ string) {
	sp, ok := s.push.(StallPusher)
	if !ok {
		return
	}
	if err := sp.PublishStall(ctx, o.PochaID, typ, ViewOf(o)); err != nil {
		s.log.WarnContext(ctx, "stall push failed", slog.Uint64("order_id", o.ID), slog.String("error", err.Error()))
	}
}

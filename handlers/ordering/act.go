package ordering

import (
	"context"
	"strings"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// Default cancel reasons, in Korean: the customer and the owner read them.
const (
	ReasonByCustomer = "손님이 주문을 취소했어요"
	ReasonTimeout    = "사장님이 제시간에 주문을 받지 못했어요"
	ReasonUnpaid     = "결제가 제시간에 끝나지 않아 주문을 취소했어요"
)

// Action is one thing a customer or an owner does to an order.
type Action string

// The actions. A customer cancels before the owner accepts; the owner
// accepts (with a ready estimate), rejects (with a reason; a paid order is
// refunded), marks ready and completes.
const (
	Cancel   Action = "cancel"
	Accept   Action = "accept"
	Reject   Action = "reject"
	Ready    Action = "ready"
	Complete Action = "complete"
)

// actions maps each action to the status it moves to and who may take it.
var actions = map[Action]struct {
	to string
	by store.Actor
}{
	Cancel:   {store.OrderCancelled, store.ActorCustomer},
	Accept:   {store.OrderAccepted, store.ActorOwner},
	Reject:   {store.OrderCancelled, store.ActorOwner},
	Ready:    {store.OrderReady, store.ActorOwner},
	Complete: {store.OrderCompleted, store.ActorOwner},
}

// ActParams are an action's arguments: Reason for cancel (optional) and
// reject (required), ReadyInMinutes (1..180) for accept.
type ActParams struct {
	Reason         string
	ReadyInMinutes int
}

func (a Action) validate(p *ActParams) error {
	var cs check.Fields
	p.Reason = strings.TrimSpace(p.Reason)
	switch a {
	case Cancel, Reject:
		cs.Add(a == Reject && p.Reason == "", "reason", "required")
		cs.Add(check.Len(p.Reason) > 200, "reason", "at most 200 characters")
	case Accept:
		cs.Add(p.ReadyInMinutes < 1 || p.ReadyInMinutes > 180, "ready_in_minutes", "must be 1 to 180")
	}
	return cs.Err()
}

// Act applies an action of the caller to an order. Only the order's
// customer takes customer actions and only its stall's owner owner actions;
// to anyone else the order does not exist (store.ErrNotFound). A move the
// state machine refuses is store.ErrInvalidTransition; of two racing
// actions exactly one wins. The change is pushed and notified once
// committed.
func (s *Service) Act(ctx context.Context, userID, orderID uint64, a Action, p ActParams) (View, error) {
	spec, ok := actions[a]
	if !ok {
		return View{}, check.Field("action", "unknown action")
	}
	o, pocha, err := s.visible(ctx, userID, orderID)
	if err != nil {
		return View{}, err
	}
	if (spec.by == store.ActorCustomer && o.CustomerID != userID) || (spec.by == store.ActorOwner && pocha.OwnerID != userID) {
		return View{}, store.ErrNotFound
	}
	if err := a.validate(&p); err != nil {
		return View{}, err
	}
	t := store.Transition{OrderID: o.ID, From: o.Status, To: spec.to, By: spec.by, ActorID: userID,
		Reason: p.Reason, ReadyInMinutes: p.ReadyInMinutes}
	if a == Cancel && t.Reason == "" {
		t.Reason = ReasonByCustomer
	}
	out, err := s.store.TransitionOrder(ctx, t)
	if err != nil {
		return View{}, err
	}
	s.changed(ctx, out, changeTransition)
	return ViewOf(out), nil
}

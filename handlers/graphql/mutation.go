package graphql

import (
	"context"

	"github.com/illuwa/illuwa/handlers/graphql/model"
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/reviews"
	"github.com/illuwa/illuwa/store"
)

// Each mutation asks for the role its REST route requires, then calls the
// same service method.

func (m mutationResolver) PlaceOrder(ctx context.Context, in model.PlaceOrderInput) (*ordering.View, error) {
	u, err := withRole(ctx, store.RoleCustomer)
	if err != nil {
		return nil, err
	}
	req := ordering.NewOrder{PochaID: in.PochaID, Items: make([]ordering.Line, len(in.Items))}
	for i, l := range in.Items {
		req.Items[i] = ordering.Line{MenuItemID: l.MenuItemID, Quantity: int64(l.Quantity)}
	}
	v, err := m.r.d.Orders.Place(ctx, u.ID, req)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// act takes action a on order id as role.
func (m mutationResolver) act(ctx context.Context, role string, id uint64, a ordering.Action, p ordering.ActParams) (*ordering.View, error) {
	u, err := withRole(ctx, role)
	if err != nil {
		return nil, err
	}
	v, err := m.r.d.Orders.Act(ctx, u.ID, id, a, p)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func (m mutationResolver) CancelOrder(ctx context.Context, id uint64, reason *string) (*ordering.View, error) {
	var p ordering.ActParams
	if reason != nil {
		p.Reason = *reason
	}
	return m.act(ctx, store.RoleCustomer, id, ordering.Cancel, p)
}

func (m mutationResolver) AcceptOrder(ctx context.Context, id uint64, readyInMinutes int) (*ordering.View, error) {
	return m.act(ctx, store.RoleOwner, id, ordering.Accept, ordering.ActParams{ReadyInMinutes: readyInMinutes})
}

func (m mutationResolver) RejectOrder(ctx context.Context, id uint64, reason string) (*ordering.View, error) {
	return m.act(ctx, store.RoleOwner, id, ordering.Reject, ordering.ActParams{Reason: reason})
}

func (m mutationResolver) MarkOrderReady(ctx context.Context, id uint64) (*ordering.View, error) {
	return m.act(ctx, store.RoleOwner, id, ordering.Ready, ordering.ActParams{})
}

func (m mutationResolver) CompleteOrder(ctx context.Context, id uint64) (*ordering.View, error) {
	return m.act(ctx, store.RoleOwner, id, ordering.Complete, ordering.ActParams{})
}

func (m mutationResolver) ConfirmPayment(ctx context.Context, key string, in model.ConfirmPaymentInput) (*ordering.Confirmed, error) {
	u, err := withRole(ctx, store.RoleCustomer)
	if err != nil {
		return nil, err
	}
	out, err := m.r.d.Confirm(ctx, u.ID, key, ordering.Payment{OrderID: in.OrderID, PaymentKey: in.PaymentKey, Amount: int64(in.Amount)})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (m mutationResolver) WriteReview(ctx context.Context, in model.ReviewInput, pochaID uint64) (*reviews.View, error) {
	u, err := user(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := m.r.d.Stalls.Pocha(ctx, pochaID); err != nil {
		return nil, err // as REST: an unknown stall is not_found
	}
	pub := in.Public
	v, err := m.r.d.Reviews.Write(ctx, u, pochaID, reviews.Input{OrderID: in.OrderID, Stars: in.Stars, Content: in.Content, Public: &pub})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func (m mutationResolver) DeleteReview(ctx context.Context, id uint64) (bool, error) {
	u, err := user(ctx)
	if err != nil {
		return false, err
	}
	if err := m.r.d.Reviews.Delete(ctx, u, id); err != nil {
		return false, err
	}
	return true, nil
}

func (m mutationResolver) ReplyToReview(ctx context.Context, content string, id uint64) (*reviews.View, error) {
	u, err := withRole(ctx, store.RoleOwner)
	if err != nil {
		return nil, err
	}
	t, err := m.r.d.Reviews.Repliable(ctx, u, id)
	if err != nil {
		return nil, err
	}
	v, err := m.r.d.Reviews.Reply(ctx, t, content)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func (m mutationResolver) DeleteReply(ctx context.Context, id uint64) (bool, error) {
	u, err := withRole(ctx, store.RoleOwner)
	if err != nil {
		return false, err
	}
	t, err := m.r.d.Reviews.Repliable(ctx, u, id)
	if err != nil {
		return false, err
	}
	if err := m.r.d.Reviews.DeleteReply(ctx, t); err != nil {
		return false, err
	}
	return true, nil
}

func (m mutationResolver) MarkNotificationRead(ctx context.Context, id uint64) (*notify.View, error) {
	u, err := user(ctx)
	if err != nil {
		return nil, err
	}
	n, err := m.r.d.Store.MarkNotificationRead(ctx, id, u.ID)
	if err != nil {
		return nil, err
	}
	v := notify.ViewOf(n)
	return &v, nil
}

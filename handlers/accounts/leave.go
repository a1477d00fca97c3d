package accounts

import (
	"context"
	"errors"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// ErrFinishFirst: the account cannot be deleted yet, since orders are still
// in progress (as customer, or at the owner's stall) or a stall is open. It
// comes as a *check.Explained saying what to finish.
var ErrFinishFirst = errors.New("accounts: finish the orders in progress first")

// Leave deletes the user's account, after checking the password (its wrong
// guesses count like those of a password change): every session ends, HTTP
// and WebSocket on every instance, and the personal data is erased; orders
// stay in the stalls' books with the customer anonymised, and reviews keep
// their text under store.LeftNickname. A refusal changes nothing.
func (s *Service) Leave(ctx context.Context, u store.User, password string) error {
	var cs check.Fields
	cs.Add(password == "", "password", "required to delete the account")
	if err := cs.Err(); err != nil {
		return err
	}
	if err := s.checkCurrent(ctx, u, password); err != nil {
		return err
	}
	_, err := s.store.LeaveUser(ctx, u.ID)
	if errors.Is(err, store.ErrOpenBusiness) {
		return &check.Explained{Err: ErrFinishFirst,
			Detail: "orders are still in progress, or a stall is open: finish or cancel the orders and close the stall, then try again"}
	}
	if err != nil {
		return err
	}
	s.endOtherConnections(ctx, u.ID, "")
	return nil
}

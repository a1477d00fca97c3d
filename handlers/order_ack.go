package handlers

import (
	"context"
	"errors"

	"github.com/illuwa/illuwa/store"
)

// ackError is a refused acknowledgement, with a code for the WebSocket client.
type ackError struct{ code, msg string }

func (e *ackError) Error() string { return e.msg }

// Code is the machine-readable reason.
func (e *ackError) Code() string { return e.code }

// AckOrder records that the user's screen or POS received an order push. Only
// the owner of the order's stall may acknowledge it; any other order is
// "not_found", as it would be over HTTP.
func (s *Server) AckOrder(ctx context.Context, userID, orderID uint64) error {
	if userID == 0 {
		return &ackError{"unauthorized", "log in to acknowledge orders"}
	}
	err := s.store.AckOrder(ctx, orderID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return &ackError{"not_found", "no such order at your stalls"}
	}
	return err
}

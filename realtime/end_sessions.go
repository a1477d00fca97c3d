package realtime

import (
	"context"
	"errors"
	"fmt"
)

// EndOtherSessions closes, on every instance, the connections of userID
// opened with any session but keep (a password change ends the other
// logins), with close code 1008. An empty keep closes every connection of
// the user (log out everywhere).
func (h *Hub) EndOtherSessions(ctx context.Context, userID uint64, keep string) error {
	if h.broker == nil {
		return errors.New("realtime: end other sessions: no broker set")
	}
	payload := encodeEnvelope(kindEndOtherSessions, userID, 0, 0, now().UnixNano(), []byte(keep))
	if err := h.broker.Publish(ctx, userTopic(userID), payload); err != nil {
		return fmt.Errorf("realtime: end other sessions of user %d: %w", userID, err)
	}
	return nil
}

package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/illuwa/illuwa/store"
)

// MaxTokenLen bounds a token worth looking up; ours are 43 characters.
const MaxTokenLen = 256

// newSession makes a random bearer token and the session that stores its hash.
func newSession(userID uint64, now time.Time, ttl time.Duration) (string, store.Session, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", store.Session{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	return token, store.Session{TokenHash: HashToken(token), UserID: userID, ExpiresAt: now.Add(ttl).UTC()}, nil
}

// HashToken is the SHA-256 of a token as sessions store it (hex), which also
// names the session to the WebSocket hub.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Logout revokes the session at once, then ends the WebSocket connections
// opened with it on every instance. A failure to end them is logged, not
// returned: the session is revoked either way, and the logout must not look
// failed to the person who asked for it.
func (s *Service) Logout(ctx context.Context, userID uint64, tokenHash string) error {
	if err := s.store.DeleteSession(ctx, tokenHash); err != nil {
		return err
	}
	if s.sessions != nil {
		if err := s.sessions.EndSession(ctx, userID, tokenHash); err != nil {
			s.log.WarnContext(ctx, "closing the session's connections failed", "user_id", userID, "error", err.Error())
		}
	}
	return nil
}

// LogoutAll revokes every session of the user at once (log out everywhere),
// then ends their WebSocket connections on every instance; like Logout, a
// failure to end the connections is logged, not returned.
func (s *Service) LogoutAll(ctx context.Context, userID uint64) error {
	if _, err := s.store.DeleteUserSessions(ctx, userID); err != nil {
		return err
	}
	s.endOtherConnections(ctx, userID, "")
	return nil
}

// endOtherConnections closes the user's WebSockets of every session but
// keep ("" keeps none), on every instance, logging a failure.
func (s *Service) endOtherConnections(ctx context.Context, userID uint64, keep string) {
	if s.sessions == nil {
		return
	}
	if err := s.sessions.EndOtherSessions(ctx, userID, keep); err != nil {
		s.log.WarnContext(ctx, "closing the user's other connections failed", "user_id", userID, "error", err.Error())
	}
}

// Authenticate returns the user of an unexpired session and the token's
// hash (the session's name), or ErrInvalidToken. A token too long to be ours
// is not looked up.
func (s *Service) Authenticate(ctx context.Context, token string) (store.User, string, error) {
	if token == "" || len(token) > MaxTokenLen {
		return store.User{}, "", fmt.Errorf("%w (a token of %d bytes)", ErrInvalidToken, len(token))
	}
	h := HashToken(token)
	u, err := s.store.UserBySessionToken(ctx, h, s.now().UTC())
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, "", ErrInvalidToken
	}
	if err != nil {
		return store.User{}, "", err
	}
	return u, h, nil
}

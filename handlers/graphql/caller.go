package graphql

import (
	"context"
	"net/http"
	"strings"

	"github.com/illuwa/illuwa/store"
)

type callerKey struct{}

type caller struct {
	user    store.User
	session string // the hash of the session token, for ending subscriptions at logout
}

// WithCaller returns ctx carrying the signed-in user (resolved by the same
// middleware as the REST API) and the hash of their session token.
func WithCaller(ctx context.Context, u store.User, sessionHash string) context.Context {
	return context.WithValue(ctx, callerKey{}, caller{user: u, session: sessionHash})
}

func callerOf(ctx context.Context) (caller, bool) {
	c, ok := ctx.Value(callerKey{}).(caller)
	return c, ok && c.user.ID != 0
}

// Refusal is an answer decided here, as the REST routes decide it before a
// handler runs: a missing sign-in or the wrong role.
type Refusal struct {
	Status int
	Code   string
	Detail string
}

func (e *Refusal) Error() string { return e.Code + ": " + e.Detail }

var errSignIn = &Refusal{http.StatusUnauthorized, "unauthorized", "a valid bearer token is required"}

// user is the signed-in caller, or the refusal REST's requireUser answers.
func user(ctx context.Context) (store.User, error) {
	c, ok := callerOf(ctx)
	if !ok {
		return store.User{}, errSignIn
	}
	return c.user, nil
}

// withRole is user plus REST's requireRole of the same endpoint.
func withRole(ctx context.Context, roles ...string) (store.User, error) {
	u, err := user(ctx)
	if err != nil {
		return u, err
	}
	for _, r := range roles {
		if u.Role == r {
			return u, nil
		}
	}
	return u, &Refusal{http.StatusForbidden, "forbidden", "this needs the role " + strings.Join(roles, " or ")}
}

package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/graphql"
	"github.com/illuwa/illuwa/handlers/ordering"
)

// GraphQLOptions tune /api/v1/graphql.
type GraphQLOptions struct {
	NoIntrospection bool           // refuse __schema and __type queries
	Limits          graphql.Limits // depth, complexity, aliases; zero fields take defaults
	AllowedOrigins  []string       // browser origins allowed to open subscriptions besides the same host ("*" any)
}

// graphQL builds the GraphQL endpoint over the same services as the REST
// routes, with the problem table for its error codes.
func (s *Server) graphQL() gin.HandlerFunc {
	var origins []string
	for _, o := range s.opts.GraphQL.AllowedOrigins {
		if i := strings.Index(o, "://"); i >= 0 {
			o = o[i+3:]
		}
		origins = append(origins, o)
	}
	h := graphql.New(graphql.Deps{
		Store: s.store, Orders: s.orders, Stalls: s.pochas, Reviews: s.reviews, Notes: s.notes,
		Live: s.live, Hub: s.hub, Log: s.log,
		Problems:     graphqlProblem,
		Confirm:      s.graphqlConfirm,
		EncodeCursor: encodeCursor, DecodeCursor: decodeCursor,
		Introspection:  !s.opts.GraphQL.NoIntrospection,
		Limits:         s.opts.GraphQL.Limits,
		OriginPatterns: origins,
	})
	return func(c *gin.Context) {
		ctx := context.WithValue(c.Request.Context(), ginContextKey{}, c)
		if u := currentUser(c); u.ID != 0 {
			ctx = graphql.WithCaller(ctx, u, c.GetString(ctxToken))
		}
		h.ServeHTTP(c.Writer, c.Request.WithContext(ctx))
	}
}

type ginContextKey struct{}

// graphqlProblem is the problem table's answer to err, for GraphQL errors.
func graphqlProblem(err error) (graphql.Problem, bool) {
	ae, ok := problemFor(err)
	p := graphql.Problem{Status: ae.status, Code: ae.code, Detail: ae.detail}
	for _, f := range ae.fields {
		p.Fields = append(p.Fields, graphql.FieldError{Field: f.Field, Message: f.Message})
	}
	return p, ok
}

// graphqlConfirm is POST /payments/confirm for the confirmPayment mutation:
// the same idempotency records, so a key means the same on both.
func (s *Server) graphqlConfirm(ctx context.Context, _ uint64, key string, req ordering.Payment) (ordering.Confirmed, error) {
	var out ordering.Confirmed
	c, ok := ctx.Value(ginContextKey{}).(*gin.Context)
	if !ok {
		return out, errInternal
	}
	if !validIdempotencyKey(key) {
		return out, errorf(http.StatusBadRequest, "idempotency_key_required",
			"idempotencyKey must be 8 to 64 characters (letters, digits, '-', '_', '.')")
	}
	a, err := s.confirmIdempotent(c, key, req)
	if err != nil {
		return out, err
	}
	if a.status >= 400 {
		var p Problem
		if json.Unmarshal(a.body, &p) != nil {
			return out, errInternal
		}
		return out, &apiError{status: p.Status, code: p.Code, detail: p.Detail, fields: p.Errors}
	}
	if err := json.Unmarshal(a.body, &out); err != nil {
		return out, errInternal
	}
	return out, nil
}

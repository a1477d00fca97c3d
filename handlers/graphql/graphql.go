// Package graphql is the GraphQL API at /api/v1/graphql: queries, mutations
// and subscriptions (graphql-transport-ws) over the same domain services as
// the REST API. It holds no rule of its own: every field calls the service
// the matching REST handler calls, and every refusal reaches the client
// with the problem table's code in extensions.code. The schema is
// docs/schema.graphql; gqlgen generates generated/ and model/models_gen.go
// from it (go generate ./handlers/graphql).
package graphql

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/illuwa/illuwa/handlers/graphql/generated"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/handlers/reviews"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// Problem is how the REST API answers a domain error: its HTTP status, its
// stable code and detail, and the offending fields of a validation error.
type Problem struct {
	Status int
	Code   string
	Detail string
	Fields []FieldError
}

// FieldError names one invalid field and why.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Problems maps an error to its Problem; false for an error nobody
// described (an internal failure, whose text must not reach the client).
type Problems func(err error) (Problem, bool)

// ConfirmFunc confirms a payment under an idempotency key exactly as
// POST /payments/confirm does (a retry with the same key and input gets the
// first answer).
type ConfirmFunc func(ctx context.Context, customerID uint64, key string, req ordering.Payment) (ordering.Confirmed, error)

// Limits bound what one operation may ask for. The zero value of each
// field means its default.
type Limits struct {
	MaxDepth      int // nesting of selections; default 10
	MaxComplexity int // fields, a list counted as its size times its items; default 2000
	MaxAliases    int // aliased fields in one operation; default 30
	MaxTokens     int // lexer tokens of one document; default 5000
}

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = 10
	}
	if l.MaxComplexity <= 0 {
		l.MaxComplexity = 2000
	}
	if l.MaxAliases <= 0 {
		l.MaxAliases = 30
	}
	if l.MaxTokens <= 0 {
		l.MaxTokens = 5000
	}
	return l
}

// Deps are the services the API calls. Store, Orders, Stalls, Reviews and
// Problems are required; a nil Live answers nearby with nothing and a nil Hub
// refuses subscriptions.
type Deps struct {
	Store    *store.Store // notifications and profiles, as the REST handlers read them
	Orders   *ordering.Service
	Stalls   *pochas.Service
	Reviews  *reviews.Service
	Notes    *notify.Notifier
	Live     *livemap.Service
	Hub      *realtime.Hub
	Problems Problems
	Confirm  ConfirmFunc
	Log      *slog.Logger
	// Cursors make and read the opaque cursors of the REST lists, so a
	// cursor means the same on both.
	EncodeCursor func(id uint64) string
	DecodeCursor func(s string) (uint64, bool)
	// Introspection answers __schema and __type queries.
	Introspection bool
	Limits        Limits
	// OriginPatterns are the hosts (path.Match patterns, "*" any) whose
	// pages may open a subscription WebSocket besides the same host.
	OriginPatterns []string
}

// New returns the GraphQL endpoint. Each request's context must carry its
// caller (WithCaller) when it is signed in.
func New(d Deps) http.Handler {
	d.Limits = d.Limits.withDefaults()
	if d.Log == nil {
		d.Log = slog.Default()
	}
	r := &Resolver{d: d}
	cfg := generated.Config{Resolvers: r}
	listCosts(&cfg.Complexity)
	es := generated.NewExecutableSchema(cfg)

	srv := handler.New(es)
	limit := int64(64 << 10)
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: 25 * time.Second,
		InitTimeout:           10 * time.Second,
		PayloadReadLimit:      &limit,
		Implementation: transport.CoderWebsocketImplementation{
			AcceptOptions: websocket.AcceptOptions{OriginPatterns: d.OriginPatterns},
		},
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(d.Limits.MaxTokens)
	if d.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(limiter{limits: d.Limits, es: es})
	srv.AroundOperations(withLoaders(r))
	srv.SetErrorPresenter(r.present)
	srv.SetRecoverFunc(r.recovered)
	return srv
}

// Resolver resolves every field of the schema through the domain services.
type Resolver struct{ d Deps }

var _ generated.ResolverRoot = (*Resolver)(nil)

// Query is the root query resolver.
func (r *Resolver) Query() generated.QueryResolver { return queryResolver{r} }

// Mutation is the root mutation resolver.
func (r *Resolver) Mutation() generated.MutationResolver { return mutationResolver{r} }

// Subscription is the root subscription resolver.
func (r *Resolver) Subscription() generated.SubscriptionResolver { return subscriptionResolver{r} }

// Pocha resolves a stall's menu, hours, stats, reviews and figures.
func (r *Resolver) Pocha() generated.PochaResolver { return pochaResolver{r} }

// NearbyPocha resolves a nearby hit's stall and position.
func (r *Resolver) NearbyPocha() generated.NearbyPochaResolver { return nearbyResolver{r} }

// FoundPocha resolves a search result's stall.
func (r *Resolver) FoundPocha() generated.FoundPochaResolver { return foundResolver{r} }

// Order resolves an order's stall.
func (r *Resolver) Order() generated.OrderResolver { return orderResolver{r} }

// Notification resolves what a notification is about.
func (r *Resolver) Notification() generated.NotificationResolver { return notificationResolver{r} }

// ReviewStats resolves the per-star counts.
func (r *Resolver) ReviewStats() generated.ReviewStatsResolver { return statsResolver{r} }

type (
	queryResolver        struct{ r *Resolver }
	mutationResolver     struct{ r *Resolver }
	subscriptionResolver struct{ r *Resolver }
	pochaResolver        struct{ r *Resolver }
	nearbyResolver       struct{ r *Resolver }
	foundResolver        struct{ r *Resolver }
	orderResolver        struct{ r *Resolver }
	notificationResolver struct{ r *Resolver }
	statsResolver        struct{ r *Resolver }
)

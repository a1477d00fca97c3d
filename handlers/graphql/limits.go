package graphql

import (
	"context"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/illuwa/illuwa/handlers/graphql/generated"
)

// limiter refuses an operation that nests deeper than MaxDepth, uses more
// than MaxAliases aliases or costs more than MaxComplexity, before any
// resolver runs.
type limiter struct {
	limits Limits
	es     graphql.ExecutableSchema
}

var (
	_ graphql.HandlerExtension        = limiter{}
	_ graphql.OperationContextMutator = limiter{}
)

func (limiter) ExtensionName() string                          { return "IlluwaLimits" }
func (limiter) Validate(schema graphql.ExecutableSchema) error { return nil }

func (l limiter) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	frags := op.Doc.Fragments
	if d := depth(op.Operation.SelectionSet, frags, 0); d > l.limits.MaxDepth {
		return limitError("query_too_deep", "the query nests %d levels deep; at most %d are allowed", d, l.limits.MaxDepth)
	}
	if n := aliases(op.Operation.SelectionSet, frags, map[string]bool{}); n > l.limits.MaxAliases {
		return limitError("too_many_aliases", "the query uses %d aliases; at most %d are allowed", n, l.limits.MaxAliases)
	}
	if c := complexity.Calculate(ctx, l.es, op.Operation, op.Variables); c > l.limits.MaxComplexity {
		return limitError("query_too_complex", "the query costs %d; at most %d is allowed (a list costs its size times its items)", c, l.limits.MaxComplexity)
	}
	return nil
}

// depth is the deepest nesting of fields under set (fragments followed).
func depth(set ast.SelectionSet, frags ast.FragmentDefinitionList, at int) int {
	deepest := at
	for _, s := range set {
		var d int
		switch s := s.(type) {
		case *ast.Field:
			if len(s.SelectionSet) == 0 {
				d = at + 1
			} else {
				d = depth(s.SelectionSet, frags, at+1)
			}
		case *ast.InlineFragment:
			d = depth(s.SelectionSet, frags, at)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil && at < 100 {
				d = depth(f.SelectionSet, frags, at)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// aliases counts the aliased fields under set; a fragment counts each
// time it is spread (seen stops a fragment cycle, which validation refuses
// anyway).
func aliases(set ast.SelectionSet, frags ast.FragmentDefinitionList, seen map[string]bool) int {
	n := 0
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				n++
			}
			n += aliases(s.SelectionSet, frags, seen)
		case *ast.InlineFragment:
			n += aliases(s.SelectionSet, frags, seen)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil && !seen[s.Name] {
				seen[s.Name] = true
				n += aliases(f.SelectionSet, frags, seen)
				delete(seen, s.Name)
			}
		}
	}
	return n
}

// Page sizes: the REST API's bounds for the same lists.
const (
	defaultNearby = 50
	maxNearby     = 100
	defaultOrders = 20
	maxOrders     = 100
	defaultPage   = 20 // reviews and notifications
	maxPage       = 50
)

// size is a list argument's value or its default, for costs.
func size(first *int, def int) int {
	if first == nil || *first < 1 {
		return def
	}
	return *first
}

// listCosts makes each list cost its requested size times its items, so the
// complexity limit bounds the rows an operation can ask for.
func listCosts(c *generated.ComplexityRoot) {
	c.Query.Nearby = func(child int, _, _ float64, _ *float64, first *int) int {
		return 1 + size(first, defaultNearby)*child
	}
	c.Query.Orders = func(child int, _ *uint64, _ *string, first *int, _ *string) int {
		return 1 + size(first, defaultOrders)*child
	}
	c.Query.Notifications = func(child int, first *int, _ *string) int {
		return 1 + size(first, defaultPage)*child
	}
	c.Pocha.Reviews = func(child int, first *int, _ *string) int {
		return 1 + size(first, defaultPage)*child
	}
	c.Pocha.Menu = func(child int) int { return 1 + 30*child }
	c.Query.SearchPochas = func(child int, _, _ *string, _, _ *float64, first *int) int {
		return 1 + size(first, defaultSearch)*child
	}
}

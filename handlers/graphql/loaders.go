package graphql

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/handlers/reviews"
	"github.com/illuwa/illuwa/store"
)

// loaders are the batched lookups of one operation: stalls by id, and
// menus and review stats by stall id, each batch one SQL query (the store's
// batch reads).
type loaders struct {
	pocha *loader[store.Pocha]
	menu  *loader[[]pochas.MenuItemView]
	stats *loader[reviews.StatsView]
}

func newLoaders(r *Resolver) *loaders {
	return &loaders{
		pocha: newLoader(r.d.Stalls.Pochas),
		menu:  newLoader(r.d.Stalls.Menus),
		stats: newLoader(r.d.Reviews.StatsOf),
	}
}

// primeStalls announces the stalls of a list that the field being resolved
// answers, under path (the fields from this one down to the stall): their
// stalls, and their menus and review stats when the selection asks for
// them. Each kind is then one fetch, however gqlgen schedules the list's
// items, instead of one fetch per item that happens to run alone.
func (l *loaders) primeStalls(ctx context.Context, ids []uint64, path ...string) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !selects(fc.Field.Selections, path...) {
		return
	}
	l.pocha.Prime(ids...)
	stall := fc.Field.Selections
	for _, name := range path {
		stall = childSelections(stall, name)
	}
	if selects(stall, "menu") {
		l.menu.Prime(ids...)
	}
	if selects(stall, "reviewStats") {
		l.stats.Prime(ids...)
	}
}

// selects reports whether set selects the fields of path, one inside the
// other (through fragments, whatever their type condition or directives:
// priming too much costs a wider query, not a wrong answer).
func selects(set ast.SelectionSet, path ...string) bool {
	if len(path) == 0 {
		return true
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == path[0] && selects(s.SelectionSet, path[1:]...) {
				return true
			}
		case *ast.InlineFragment:
			if selects(s.SelectionSet, path...) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && selects(s.Definition.SelectionSet, path...) {
				return true
			}
		}
	}
	return false
}

// childSelections gathers the selections of every field named name in set
// (through fragments).
func childSelections(set ast.SelectionSet, name string) ast.SelectionSet {
	var out ast.SelectionSet
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == name {
				out = append(out, s.SelectionSet...)
			}
		case *ast.InlineFragment:
			out = append(out, childSelections(s.SelectionSet, name)...)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				out = append(out, childSelections(s.Definition.SelectionSet, name)...)
			}
		}
	}
	return out
}

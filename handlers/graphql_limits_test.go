package handlers

import (
	"strings"
	"testing"

	"github.com/illuwa/illuwa/store/storetest"
)

func TestGraphQLLimits(t *testing.T) {
	// The schema has no cycle (its deepest selection is 9 levels), so the
	// depth limit is tried at 6.
	api := newTestAPI(t, storetest.Backends[0], func(d *Deps) { d.Options.GraphQL.Limits.MaxDepth = 6 })
	aliases := "{ " + strings.Repeat("a: me { id } ", 1) // one alias is fine
	many := "{ "
	for i := range 31 {
		many += "m" + itoa(uint64(i)) + ": me { id } "
	}
	cases := []struct{ name, query, want string }{
		{"ok", aliases + "}", ""},
		{"too_deep", `{ orders { edges { node { pocha { reviews { edges { node { reply { content } } } } } } } } } `, "query_too_deep"},
		{"too_many_aliases", many + "}", "too_many_aliases"},
		{"too_complex", `{ nearby(lat: 37.5, lng: 127, first: 100) { pocha { menu { name } reviews(first: 50) { edges { node { content } } } } } }`, "query_too_complex"},
		{"list_too_long", `{ nearby(lat: 37.5, lng: 127, first: 101) { distanceM } }`, "validation_failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := api.gql("", c.query, nil).code(t); got != c.want {
				t.Errorf("code %q, want %q", got, c.want)
			}
		})
	}
}

func TestGraphQLIntrospectionConfigurable(t *testing.T) {
	on := newTestAPI(t, storetest.Backends[0])
	var s struct {
		Schema struct{ QueryType struct{ Name string } } `json:"__schema"`
	}
	on.gql("", `{ __schema { queryType { name } } }`, nil).ok(t, &s)
	if s.Schema.QueryType.Name != "Query" {
		t.Errorf("introspection on: %+v", s)
	}
	off := newTestAPI(t, storetest.Backends[0], func(d *Deps) { d.Options.GraphQL.NoIntrospection = true })
	if r := off.gql("", `{ __schema { queryType { name } } }`, nil); len(r.Errors) == 0 {
		t.Error("introspection off still answers __schema")
	}
}

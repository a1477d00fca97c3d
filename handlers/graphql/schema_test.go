package graphql_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/illuwa/illuwa/handlers/graphql/generated"
)

func format(s *ast.Schema) string {
	var b strings.Builder
	formatter.NewFormatter(&b, formatter.WithComments()).FormatSchema(s)
	return b.String()
}

// The schema the server executes is docs/schema.graphql: after editing the
// file, run go generate ./handlers/graphql.
func TestServedSchemaIsTheDocument(t *testing.T) {
	src, err := os.ReadFile("../../docs/schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	doc, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: string(src)})
	if gerr != nil {
		t.Fatalf("docs/schema.graphql: %v", gerr)
	}
	served := generated.NewExecutableSchema(generated.Config{}).Schema()
	if a, b := format(doc), format(served); a != b {
		t.Fatalf("the generated code serves another schema than docs/schema.graphql: run go generate ./handlers/graphql")
	}
}

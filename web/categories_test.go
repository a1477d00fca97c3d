package web

import (
	"io/fs"
	"regexp"
	"slices"
	"testing"

	"github.com/illuwa/illuwa/handlers/pochas"
)

// categoryCodes are the API's stall category codes.
func categoryCodes() []string {
	var out []string
	for _, c := range pochas.Categories {
		out = append(out, c.Code)
	}
	return out
}

// TestCategoriesMatchAPI: the web app's category list is the API's, in the
// same order, and its Korean names are the API's.
func TestCategoriesMatchAPI(t *testing.T) {
	src, err := fs.ReadFile(staticFS, "categories.js")
	if err != nil {
		t.Fatal(err)
	}
	list := regexp.MustCompile(`(?s)CATEGORIES = \[(.*?)\]`).FindSubmatch(src)
	if list == nil {
		t.Fatal("categories.js has no CATEGORIES list")
	}
	var codes []string
	for _, m := range regexp.MustCompile(`"([a-z_]+)"`).FindAllSubmatch(list[1], -1) {
		codes = append(codes, string(m[1]))
	}
	if want := categoryCodes(); !slices.Equal(codes, want) {
		t.Fatalf("categories.js lists %v, the API %v", codes, want)
	}
	msgs := loadMessages(t)
	for _, c := range pochas.Categories {
		if got := msgs["ko"]["cat."+c.Code]; got != c.Ko {
			t.Errorf("cat.%s: Korean %q, the API says %q", c.Code, got, c.Ko)
		}
		if got := msgs["en"]["cat."+c.Code]; got != c.En {
			t.Errorf("cat.%s: English %q, the API says %q", c.Code, got, c.En)
		}
	}
}

package docs

// The import rules of docs/architecture.md, checked against the packages as
// `go list` sees them (test files excluded: tests may wire anything).

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/illuwa/illuwa"

// listed is one package as `go list -json` prints it.
type listed struct {
	ImportPath string
	Imports    []string
}

// packages lists every package of the module with its direct imports.
func packages(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module+"/")] = p.Imports
	}
	return pkgs
}

// under reports whether pkg is dir or inside it.
func under(pkg, dir string) bool { return pkg == dir || strings.HasPrefix(pkg, dir+"/") }

// domainPackages are the services every way in calls: they speak no HTTP.
var domainPackages = []string{"handlers/accounts", "handlers/check", "handlers/limit", "handlers/livemap", "handlers/mail", "handlers/notify", "handlers/pos",
	"handlers/ordering", "handlers/reviews", "handlers/pochas", "handlers/uploads", "handlers/oauth", "handlers/push", "handlers/alerts"}

// leaves are the lower packages: none imports another, nor the top.
var leaves = []string{"geo", "realtime", "store", "hardware"}

// importRule is one forbidden edge: a package under from importing to (or,
// unless exact, a package under to).
type importRule struct {
	from, to string
	exact    bool
	why      string
}

func importRules() []importRule {
	var rules []importRule
	for _, d := range domainPackages {
		rules = append(rules,
			importRule{d, "github.com/gin-gonic/gin", false, "a domain service speaks no HTTP"},
			// Its sibling domains (handlers/check, handlers/notify...) it may use.
			importRule{d, module + "/handlers", true, "a domain service never calls the HTTP layer"},
			importRule{d, module + "/handlers/app", false, "a domain service never imports the wiring"})
	}
	for _, a := range leaves {
		for _, b := range leaves {
			if a != b {
				rules = append(rules, importRule{a, module + "/" + b, false, "the lower packages trade plain values"})
			}
		}
		rules = append(rules, importRule{a, module + "/handlers", false, "the lower packages never import the top"})
	}
	return rules
}

// violations lists every forbidden import of pkgs, as "pkg imports imp: why".
func violations(pkgs map[string][]string) []string {
	var out []string
	for pkg, imports := range pkgs {
		for _, r := range importRules() {
			if !under(pkg, r.from) {
				continue
			}
			for _, imp := range imports {
				if imp == r.to || (!r.exact && under(imp, r.to)) {
					out = append(out, pkg+" imports "+imp+": "+r.why)
				}
			}
		}
	}
	return out
}

// TestImportRules fails naming every forbidden import.
func TestImportRules(t *testing.T) {
	pkgs := packages(t)
	for _, d := range []string{"handlers/ordering", "handlers/livemap", "geo", "realtime", "store"} {
		if _, ok := pkgs[d]; !ok {
			t.Fatalf("package %s is missing: the rules would check nothing", d)
		}
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// TestImportRulesCatchViolations keeps the checker honest: made-up packages
// with forbidden imports are reported, allowed ones are not.
func TestImportRulesCatchViolations(t *testing.T) {
	bad := map[string][]string{
		"handlers/ordering": {"github.com/gin-gonic/gin", module + "/handlers", module + "/handlers/notify"},
		"geo":               {module + "/store"},
		"realtime":          {module + "/handlers/ordering"},
	}
	if got := violations(bad); len(got) != 4 {
		t.Fatalf("violations %q, want 4 (gin, handlers, store, handlers/ordering)", got)
	}
}

package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (web/vendor.sh copies it from npm), injected into a
// page only by the tests; the app never serves it.
//
//go:embed axe/axe.min.js
var axeSource string

// Violation is one rule of axe-core that a page breaks, with the elements
// that break it.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target         []any  `json:"target"`
		HTML           string `json:"html"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for i, n := range v.Nodes {
		if i == 5 {
			fmt.Fprintf(&b, "\n    … %d more", len(v.Nodes)-i)
			break
		}
		fmt.Fprintf(&b, "\n    %v %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.FailureSummary, "\n", " "))
	}
	return b.String()
}

// Axe runs axe-core's WCAG 2.x A and AA rules (and its best practices) on
// the page open in the tab ctx and returns every violation. The page keeps
// its Content Security Policy: the script is evaluated through DevTools.
func Axe(ctx context.Context) ([]Violation, error) {
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		return nil, fmt.Errorf("browsertest: axe: %w", err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			return nil, fmt.Errorf("browsertest: load axe-core: %w", err)
		}
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {
		runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
		resultTypes: ["violations"],
	}).then((r) => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("browsertest: run axe-core: %w", err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		return nil, fmt.Errorf("browsertest: axe-core's answer: %w", err)
	}
	return vs, nil
}

// CheckAccessible runs axe-core on the page open in ctx and fails t for
// each serious or critical violation; minor and moderate ones are logged.
// It returns the number of violations that failed t.
func CheckAccessible(t testing.TB, ctx context.Context, page string) int {
	t.Helper()
	vs, err := Axe(ctx)
	if err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	failed := 0
	for _, v := range vs {
		switch v.Impact {
		case "serious", "critical":
			failed++
			t.Errorf("%s: accessibility: %s", page, v)
		default:
			t.Logf("%s: accessibility (%s, not failing): %s", page, v.Impact, v.ID)
		}
	}
	return failed
}

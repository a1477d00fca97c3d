package web

import (
	"encoding/json"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// The patterns of the keys a page uses: t("key") in scripts, and the
// data-i18n attributes of pages.
var (
	keyCall = regexp.MustCompile(`\bt\("([a-z_.]+)"`)
	keyAttr = regexp.MustCompile(`data-i18n(?:-label|-placeholder|-title)?="([a-z_.]+)"`)
	// keyFamily is a key built at run time: t("status." + s).
	keyFamily = regexp.MustCompile(`\bt\("([a-z_.]+\.)"\s*\+`)
)

// dynamicFamilies lists, for each key built at run time, the endings the
// code may add; every one must be in the dictionary.
var dynamicFamilies = map[string][]string{
	"status.":           {"pending_payment", "paid", "accepted", "ready", "completed", "cancelled"},
	"conn.":             {"connecting", "live", "reconnecting", "offline"},
	"day.":              {"mon", "tue", "wed", "thu", "fri", "sat", "sun"},
	"role.":             {"customer", "owner", "admin"},
	"open.":             {"open", "closed", "live_off_hours", "hours_not_live"},
	"eta.":              {"pending_payment", "paid", "ready", "completed"},
	"eta.cancelled_by.": {"customer", "owner", "system"},
	"eta.refund.":       {"pending", "done", "failed"},
	"ws.":               {"not_open", "too_fast", "stale_time", "forbidden", "unauthorized", "not_found", "rate_limited", "invalid_location", "internal"},
	"inbox.kind.":       {"order_paid", "order_accepted", "order_ready", "order_cancelled", "review_reply", "favourite_opened", "place_opened", "marketing"},
	"error.kind.":       {"required", "length", "max_length", "unsafe_text", "email", "phone", "password_length", "login_id", "taken", "sold_out", "not_on_menu", "listed_twice", "total_max", "total_min", "card_number", "card_expired", "card_year", "image", "clock", "same_time", "overlap", "spans", "day", "date", "date_order", "date_span", "read_only", "type", "range", "other"},
	"problem.":          {"internal", "invalid_credentials", "validation_failed", "pocha_closed", "not_found"},
	"oauth.with.":       {"kakao", "google", "facebook"},
	"alerts.kind.":      {"order", "review", "favourite", "marketing"},
	"alerts.channel.":   {"in_app", "push", "email"},
	"field.":            {"login_id", "password", "nickname", "email", "phone", "name", "hours", "price", "card_number"},
	"cat.":              categoryCodes(),
}

// loadMessages reads the dictionary, one file per language
// (messages.<lang>.json), keyed by language.
func loadMessages(t *testing.T) map[string]map[string]string {
	t.Helper()
	m := map[string]map[string]string{}
	for _, l := range []string{"ko", "en"} {
		name := "messages." + l + ".json"
		data, err := fs.ReadFile(staticFS, name)
		if err != nil {
			t.Fatal(err)
		}
		var texts map[string]string
		if err := json.Unmarshal(data, &texts); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m[l] = texts
	}
	return m
}

// TestDictionaryComplete: Korean and English have the same keys, no text is
// empty, and each {placeholder} of a Korean text is in its English one.
func TestDictionaryComplete(t *testing.T) {
	m := loadMessages(t)
	ko, en := m["ko"], m["en"]
	if len(ko) < 100 || len(m) != 2 {
		t.Fatalf("dictionary: %d languages, %d Korean texts", len(m), len(ko))
	}
	placeholder := regexp.MustCompile(`\{\w+\}`)
	for k, v := range ko {
		e, ok := en[k]
		if !ok {
			t.Errorf("%s: no English text", k)
			continue
		}
		if strings.TrimSpace(v) == "" || strings.TrimSpace(e) == "" {
			t.Errorf("%s: an empty text", k)
		}
		want := placeholder.FindAllString(v, -1)
		got := placeholder.FindAllString(e, -1)
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(want, ",") != strings.Join(got, ",") {
			t.Errorf("%s: placeholders %v in Korean, %v in English", k, want, got)
		}
	}
	for k := range en {
		if _, ok := ko[k]; !ok {
			t.Errorf("%s: English only", k)
		}
	}
}

// TestEveryTextInDictionary: each key the pages and scripts use is in the
// dictionary, and no script writes Korean itself (every text a user reads
// comes from the one dictionary, so the language switch reaches it).
func TestEveryTextInDictionary(t *testing.T) {
	ko := loadMessages(t)["ko"]
	used := 0
	err := fs.WalkDir(staticFS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(name, "vendor/") {
			return err
		}
		ext := path.Ext(name)
		if ext != ".js" && ext != ".html" {
			return nil
		}
		data, err := fs.ReadFile(staticFS, name)
		if err != nil {
			return err
		}
		src := string(data)
		for _, re := range []*regexp.Regexp{keyCall, keyAttr} {
			for _, m := range re.FindAllStringSubmatch(src, -1) {
				if strings.HasSuffix(m[1], ".") {
					continue // a family, checked below
				}
				used++
				if _, ok := ko[m[1]]; !ok {
					t.Errorf("%s: key %q is not in the dictionary", name, m[1])
				}
			}
		}
		for _, m := range keyFamily.FindAllStringSubmatch(src, -1) {
			ends, ok := dynamicFamilies[m[1]]
			if !ok {
				t.Errorf("%s: key family %q: list its endings in dynamicFamilies", name, m[1])
			}
			for _, e := range ends {
				if _, ok := ko[m[1]+e]; !ok {
					t.Errorf("%s: key %q is not in the dictionary", name, m[1]+e)
				}
			}
		}
		if ext == ".js" && name != workerName {
			for i, line := range strings.Split(src, "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "//") {
					continue
				}
				if strings.ContainsFunc(line, func(r rune) bool { return unicode.Is(unicode.Hangul, r) }) {
					t.Errorf("%s:%d: Korean text in a script; put it in messages.ko.json: %s", name, i+1, strings.TrimSpace(line))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if used < 200 {
		t.Errorf("only %d uses of dictionary keys found; is the pattern still right?", used)
	}
}

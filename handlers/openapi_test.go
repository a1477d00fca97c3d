package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/toss/tossfake"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"sigs.k8s.io/yaml"

	"github.com/illuwa/illuwa/docs"
	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// loadOpenAPI parses the embedded document into plain maps.
func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(docs.OpenAPI, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml does not parse: %v", err)
	}
	return doc
}

// documentedOperations lists "METHOD /path" for every operation of doc.
func documentedOperations(doc map[string]any) map[string]bool {
	out := map[string]bool{}
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		ops, _ := item.(map[string]any)
		for _, m := range openAPIMethods {
			if _, ok := ops[m]; ok {
				out[strings.ToUpper(m)+" "+p] = true
			}
		}
	}
	return out
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// routedOperations lists "METHOD /path" for every Gin route, with :x written
// {x}.
func routedOperations(s *Server) map[string]bool {
	out := map[string]bool{}
	for _, r := range s.Engine().Routes() {
		out[r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	return out
}

// withEverything gives the test API every optional dependency (the live map,
// the WebSocket hub on an in-process broker), so that every route of
// routes.go is registered and served.
func withEverything(t *testing.T) func(*Deps) {
	return func(d *Deps) {
		index := geo.NewMemoryIndex()
		hub, err := realtime.NewHub(realtime.Options{}, livemap.Reader{Index: index})
		if err != nil {
			t.Fatal(err)
		}
		broker := realtime.NewMemoryBroker(hub)
		hub.SetBroker(broker)
		live := livemap.New(livemap.Deps{Index: index, Publisher: hub, Store: d.Store, Log: d.Log})
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = hub.Shutdown(ctx)
			_ = broker.Close()
		})
		d.Live, d.Hub = live, hub
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, store.SQLite, withEverything(t))
	documented := documentedOperations(loadOpenAPI(t))
	routed := routedOperations(api.srv)
	// The demo mode's fake gateway, mounted at /fake-pg (a demo-only surface).
	for _, op := range tossfake.Routes() {
		method, path, _ := strings.Cut(op, " ")
		routed[method+" /fake-pg"+path] = true
	}

	var problems []string
	for op := range routed {
		// A HEAD beside a documented GET of the same path need not be documented.
		if p, ok := strings.CutPrefix(op, "HEAD "); ok && documented["GET "+p] {
			continue
		}
		if !documented[op] {
			problems = append(problems, "routed but not documented: "+op)
		}
	}
	for op := range documented {
		if !routed[op] {
			problems = append(problems, "documented but not routed: "+op)
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Errorf("docs/openapi.yaml and routes.go disagree (%d documented, %d routed):\n  %s",
			len(documented), len(routed), strings.Join(problems, "\n  "))
	}
	if len(routed) < 20 {
		t.Errorf("only %d routes found; the server was not built with every dependency", len(routed))
	}
}

// TestOpenAPIOperationsComplete checks what a reader of each operation needs:
// a unique operationId, a summary, known tags, a security decision, declared
// path parameters, a success and an error answer, and request bodies that
// refuse unknown fields as the API does.
func TestOpenAPIOperationsComplete(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	tags := map[string]bool{}
	for _, tg := range list(doc["tags"]) {
		tags[str(obj(tg)["name"])] = true
	}
	sc := &schemaChecker{doc: doc}
	ids := map[string]string{}
	paramName := regexp.MustCompile(`\{([^}]+)\}`)
	for p, itemAny := range obj(doc["paths"]) {
		item := obj(itemAny)
		for _, m := range openAPIMethods {
			if item[m] == nil {
				continue
			}
			op := obj(item[m])
			where := strings.ToUpper(m) + " " + p
			id := str(op["operationId"])
			switch {
			case id == "":
				t.Errorf("%s: no operationId", where)
			case ids[id] != "":
				t.Errorf("%s: operationId %q is also used by %s", where, id, ids[id])
			default:
				ids[id] = where
			}
			if str(op["summary"]) == "" {
				t.Errorf("%s: no summary", where)
			}
			if len(list(op["tags"])) == 0 {
				t.Errorf("%s: no tags", where)
			}
			for _, tg := range list(op["tags"]) {
				if !tags[str(tg)] {
					t.Errorf("%s: tag %v is not among the document's tags", where, tg)
				}
			}
			if _, ok := op["security"]; !ok {
				t.Errorf("%s: no security decision (use [] for public operations)", where)
			}
			declared := map[string]bool{}
			for _, prm := range append(list(item["parameters"]), list(op["parameters"])...) {
				prm = sc.resolve(obj(prm))
				if str(obj(prm)["in"]) == "path" {
					declared[str(obj(prm)["name"])] = true
				}
			}
			for _, name := range paramName.FindAllStringSubmatch(p, -1) {
				if !declared[name[1]] {
					t.Errorf("%s: path parameter %q is not declared", where, name[1])
				}
			}
			var ok2xx, has4xx bool
			for code := range obj(op["responses"]) {
				// A redirect endpoint's success is the redirect (the OAuth start and callback).
				ok2xx = ok2xx || code[0] == '2' || code == "101" || code == "302" || code == "303"
				has4xx = has4xx || code[0] == '4'
			}
			if !ok2xx {
				t.Errorf("%s: no success response", where)
			}
			if !has4xx && strings.HasPrefix(p, "/api/") {
				t.Errorf("%s: no 4xx response", where)
			}
			if body := obj(op["requestBody"]); body != nil {
				body = obj(sc.resolve(body))
				if js := obj(obj(body["content"])["application/json"]); js != nil {
					for _, bad := range sc.openObjects(obj(js["schema"]), "requestBody", map[string]bool{}) {
						t.Errorf("%s: %s is an object without additionalProperties: false (the API refuses unknown fields)", where, bad)
					}
				}
			}
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, store.SQLite)
	doc := loadOpenAPI(t)

	res := api.do("GET", "/api/v1/openapi.yaml", "", nil).mustStatus(t, http.StatusOK)
	if !bytes.Equal(res.Body, docs.OpenAPI) {
		t.Errorf("openapi.yaml is not the embedded document (%d bytes, want %d)", len(res.Body), len(docs.OpenAPI))
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/yaml") {
		t.Errorf("openapi.yaml content type %q", ct)
	}

	res = api.do("GET", "/api/v1/openapi.json", "", nil).mustStatus(t, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("openapi.json content type %q", ct)
	}
	var served map[string]any
	res.decode(t, &served)
	if served["openapi"] != "3.1.0" {
		t.Errorf("served openapi = %v, want 3.1.0", served["openapi"])
	}
	want, got := documentedOperations(doc), documentedOperations(served)
	if len(got) == 0 || len(got) != len(want) {
		t.Errorf("served JSON has %d operations, the YAML %d", len(got), len(want))
	}
	for op := range want {
		if !got[op] {
			t.Errorf("served JSON lacks %s", op)
		}
	}
}

// --- a small JSON Schema checker, enough for this document -----------------

// schemaChecker validates decoded JSON against the document's schemas. It is
// strict where the document is open: a property a schema does not list is an
// error even without additionalProperties: false, so every field the API
// sends must be documented.
type schemaChecker struct{ doc map[string]any }

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { l, _ := v.([]any); return l }
func str(v any) string         { s, _ := v.(string); return s }

// resolve follows local $refs.
func (sc *schemaChecker) resolve(s map[string]any) map[string]any {
	for range 20 {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		var cur any = sc.doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = obj(cur)[strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")]
		}
		s = obj(cur)
	}
	return s
}

// openObjects names the object schemas under s that list properties but do
// not say whether others are allowed (additionalProperties: true is a
// deliberate choice, e.g. for the gateway's webhook).
func (sc *schemaChecker) openObjects(s map[string]any, at string, seen map[string]bool) []string {
	if ref := str(s["$ref"]); ref != "" {
		if seen[ref] {
			return nil
		}
		seen[ref] = true
		at = ref
	}
	s = sc.resolve(s)
	var out []string
	if _, decided := s["additionalProperties"]; s["properties"] != nil && !decided {
		out = append(out, at)
	}
	for name, p := range obj(s["properties"]) {
		out = append(out, sc.openObjects(obj(p), at+"."+name, seen)...)
	}
	if items := obj(s["items"]); items != nil {
		out = append(out, sc.openObjects(items, at+"[]", seen)...)
	}
	return out
}

// check appends to errs every way v breaks schema s.
func (sc *schemaChecker) check(at string, s map[string]any, v any, errs *[]string) {
	s = sc.resolve(s)
	bad := func(format string, args ...any) { *errs = append(*errs, at+": "+fmt.Sprintf(format, args...)) }
	if c, ok := s["const"]; ok && !jsonEqual(c, v) {
		bad("is %v, want %v", v, c)
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return jsonEqual(e, v) }) {
		bad("%v is not one of %v", v, enum)
	}
	if one := list(s["oneOf"]); one != nil {
		n := 0
		for _, alt := range one {
			var e []string
			sc.check(at, obj(alt), v, &e)
			if len(e) == 0 {
				n++
			}
		}
		if n != 1 {
			bad("matches %d of the oneOf alternatives, want 1", n)
		}
	}
	if anyOf := list(s["anyOf"]); anyOf != nil && !slices.ContainsFunc(anyOf, func(alt any) bool {
		var e []string
		sc.check(at, obj(alt), v, &e)
		return len(e) == 0
	}) {
		bad("matches none of the anyOf alternatives")
	}
	if t, ok := s["type"]; ok {
		types := []any{t}
		if l, ok := t.([]any); ok {
			types = l
		}
		if !slices.ContainsFunc(types, func(t any) bool { return jsonType(v, str(t)) }) {
			bad("%s is not of type %v", short(v), t)
			return
		}
	}
	switch v := v.(type) {
	case string:
		n := float64(len([]rune(v)))
		if m, ok := s["minLength"].(float64); ok && n < m {
			bad("%q is shorter than %v", v, m)
		}
		if m, ok := s["maxLength"].(float64); ok && n > m {
			bad("%q is longer than %v", v, m)
		}
		if p := str(s["pattern"]); p != "" && !regexp.MustCompile(p).MatchString(v) {
			bad("%q does not match %s", v, p)
		}
		switch str(s["format"]) {
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				bad("%q is not a date-time", v)
			}
		case "uuid":
			if _, err := uuid.Parse(v); err != nil || len(v) != 36 {
				bad("%q is not a uuid", v)
			}
		}
	case json.Number:
		f, _ := v.Float64()
		if m, ok := s["minimum"].(float64); ok && f < m {
			bad("%v is below %v", v, m)
		}
		if m, ok := s["maximum"].(float64); ok && f > m {
			bad("%v is above %v", v, m)
		}
	case []any:
		if m, ok := s["maxItems"].(float64); ok && float64(len(v)) > m {
			bad("%d items, at most %v allowed", len(v), m)
		}
		if items := obj(s["items"]); items != nil {
			for i, e := range v {
				sc.check(at+"["+strconv.Itoa(i)+"]", items, e, errs)
			}
		}
	case map[string]any:
		for _, r := range list(s["required"]) {
			if _, ok := v[str(r)]; !ok {
				bad("required field %v is missing", r)
			}
		}
		props := obj(s["properties"])
		names := obj(s["propertyNames"])
		for k, fv := range v {
			if names != nil {
				sc.check(at+" key", names, k, errs)
			}
			switch ps, extra := props[k], s["additionalProperties"]; {
			case ps != nil:
				sc.check(at+"."+k, obj(ps), fv, errs)
			case obj(extra) != nil:
				sc.check(at+"."+k, obj(extra), fv, errs)
			case props != nil || extra == false:
				bad("field %q is not documented", k)
			}
		}
	}
}

func jsonType(v any, t string) bool {
	switch t {
	case "null":
		return v == nil
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		f, err := n.Float64()
		return err == nil && f == float64(int64(f))
	}
	return false
}

// jsonEqual compares a schema value (from YAML) with a decoded body value.
func jsonEqual(schema, v any) bool {
	if n, ok := v.(json.Number); ok {
		f, _ := n.Float64()
		return schema == f
	}
	return schema == v
}

func short(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return s
}

// validateResponse checks that the document lists res's status for the
// operation and that the body fits the schema of its content type.
func (sc *schemaChecker) validateResponse(t *testing.T, method, path string, res response) {
	t.Helper()
	op := obj(obj(obj(sc.doc["paths"])[path])[strings.ToLower(method)])
	if op == nil {
		t.Errorf("%s %s is not documented", method, path)
		return
	}
	where := fmt.Sprintf("%s %s → %d", method, path, res.Status)
	r := obj(obj(op["responses"])[strconv.Itoa(res.Status)])
	if r == nil {
		t.Errorf("%s: status not documented (body %s)", where, res.Body)
		return
	}
	r = sc.resolve(r)
	content := obj(r["content"])
	if content == nil {
		if len(res.Body) != 0 {
			t.Errorf("%s: documented without a body, got %s", where, res.Body)
		}
		return
	}
	mt, _, _ := strings.Cut(res.Header.Get("Content-Type"), ";")
	media := obj(content[strings.TrimSpace(mt)])
	if media == nil {
		t.Errorf("%s: content type %q not documented", where, mt)
		return
	}
	if !strings.HasSuffix(mt, "json") {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(res.Body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Errorf("%s: body is not JSON: %v", where, err)
		return
	}
	var errs []string
	sc.check("body", obj(media["schema"]), v, &errs)
	for _, e := range errs {
		t.Errorf("%s: %s", where, e)
	}
}

// tinyPNG is a valid 3×2 PNG picture.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// multipartImage builds a multipart body with one "file" part and returns
// its content type.
func multipartImage(data []byte) (string, []byte) {
	const boundary = "illuwa-openapi-test"
	var b bytes.Buffer
	b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n")
	b.Write(data)
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return "multipart/form-data; boundary=" + boundary, b.Bytes()
}

// TestOpenAPIExamplesValidate drives real calls through the API and checks
// that each answer's status is documented for its operation and that its
// body fits the documented schema, with no undocumented field.
func TestOpenAPIExamplesValidate(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			testOpenAPIExamples(t, kind)
		})
	}
}

func testOpenAPIExamples(t *testing.T, kind store.Dialect) {
	api := newTestAPI(t, kind, withEverything(t))
	sc := &schemaChecker{doc: loadOpenAPI(t)}
	call := func(method, docPath, path, token string, body any, headers ...string) response {
		t.Helper()
		res := api.do(method, path, token, body, headers...)
		sc.validateResponse(t, method, docPath, res)
		return res
	}
	signup := map[string]any{"login_id": "Owner.Kim", "password": "correct horse", "nickname": "김사장",
		"email": "kim@example.com", "phone": "010-1234-5678", "role": "owner", "business_number": "220-81-62517"}
	call("POST", "/api/v1/auth/signup", "/api/v1/auth/signup", "", signup).mustStatus(t, http.StatusCreated)
	call("POST", "/api/v1/auth/signup", "/api/v1/auth/signup", "", signup).mustStatus(t, http.StatusConflict)
	call("POST", "/api/v1/auth/signup", "/api/v1/auth/signup", "", map[string]any{"role": "admin"}).mustStatus(t, http.StatusUnprocessableEntity)
	call("POST", "/api/v1/auth/signup", "/api/v1/auth/signup", "", `{"id": 1}`).mustStatus(t, http.StatusBadRequest)
	call("POST", "/api/v1/auth/login", "/api/v1/auth/login", "", map[string]any{"login_id": "owner.kim", "password": "wrong horse"}).
		mustStatus(t, http.StatusUnauthorized)
	var login accounts.Session
	call("POST", "/api/v1/auth/login", "/api/v1/auth/login", "", map[string]any{"login_id": "owner.kim", "password": "correct horse"}).
		mustStatus(t, http.StatusOK).decode(t, &login)
	owner := login.Token
	customer, _ := api.signupLogin("customer1", store.RoleCustomer)

	call("GET", "/api/v1/me", "/api/v1/me", owner, nil).mustStatus(t, http.StatusOK)
	call("GET", "/api/v1/me", "/api/v1/me", "", nil).mustStatus(t, http.StatusUnauthorized)
	call("GET", "/api/v1/me", "/api/v1/me", "not-a-token", nil).mustStatus(t, http.StatusUnauthorized)
	call("PATCH", "/api/v1/me", "/api/v1/me", owner, map[string]any{"nickname": "김사장님"}).mustStatus(t, http.StatusOK)
	call("PATCH", "/api/v1/me", "/api/v1/me", owner, map[string]any{"password": "new horse!", "current_password": "nope"}).
		mustStatus(t, http.StatusForbidden)
	call("PATCH", "/api/v1/me", "/api/v1/me", owner, map[string]any{"role": "admin"}).mustStatus(t, http.StatusBadRequest)

	ct, body := multipartImage(tinyPNG(t))
	var img imageResponse
	call("POST", "/api/v1/images", "/api/v1/images", owner, body, "Content-Type", ct).mustStatus(t, http.StatusCreated).decode(t, &img)
	call("GET", "/api/v1/images/{id}", "/api/v1/images/"+img.ID, "", nil).mustStatus(t, http.StatusOK)
	call("GET", "/api/v1/images/{id}", "/api/v1/images/"+img.ID, "", nil, "If-None-Match", `"`+img.ID+`"`).
		mustStatus(t, http.StatusNotModified)
	call("GET", "/api/v1/images/{id}", "/api/v1/images/"+uuid.NewString(), "", nil).mustStatus(t, http.StatusNotFound)

	newPocha := map[string]any{"name": "을지로 떡볶이", "description": "매운 떡볶이", "main_image_id": img.ID,
		"hours": map[string]any{"fri": []any{map[string]any{"open": "18:00", "close": "02:00"}}}}
	var p pochas.View
	call("POST", "/api/v1/pochas", "/api/v1/pochas", owner, newPocha).mustStatus(t, http.StatusCreated).decode(t, &p)
	call("POST", "/api/v1/pochas", "/api/v1/pochas", customer, newPocha).mustStatus(t, http.StatusForbidden)
	call("POST", "/api/v1/pochas", "/api/v1/pochas", owner, map[string]any{"name": " "}).mustStatus(t, http.StatusUnprocessableEntity)
	call("POST", "/api/v1/pochas", "/api/v1/pochas", owner, "{}", "Content-Type", "text/plain").mustStatus(t, http.StatusUnsupportedMediaType)
	pid := "/api/v1/pochas/" + itoa(p.ID)
	call("GET", "/api/v1/pochas/{id}", pid, "", nil).mustStatus(t, http.StatusOK)
	call("GET", "/api/v1/pochas/{id}", "/api/v1/pochas/999999", "", nil).mustStatus(t, http.StatusNotFound)
	call("PATCH", "/api/v1/pochas/{id}", pid, owner, map[string]any{"notice": "비 오면 쉽니다", "main_image_id": ""}).mustStatus(t, http.StatusOK)
	call("GET", "/api/v1/pochas/mine", "/api/v1/pochas/mine", owner, nil).mustStatus(t, http.StatusOK)

	var it pochas.MenuItemView
	call("POST", "/api/v1/pochas/{id}/menu", pid+"/menu", owner, map[string]any{"name": "순대", "price": 4000, "image_id": img.ID}).
		mustStatus(t, http.StatusCreated).decode(t, &it)
	call("POST", "/api/v1/pochas/{id}/menu", pid+"/menu", owner, map[string]any{"name": "금", "price": 10_000_001}).
		mustStatus(t, http.StatusUnprocessableEntity)
	call("GET", "/api/v1/pochas/{id}/menu", pid+"/menu", "", nil).mustStatus(t, http.StatusOK)
	item := pid + "/menu/" + itoa(it.ID)
	call("PATCH", "/api/v1/pochas/{id}/menu/{item_id}", item, owner, map[string]any{"sold_out": true, "position": 2}).mustStatus(t, http.StatusOK)

	rival, _ := api.signupLogin("rival1", store.RoleOwner)
	call("PATCH", "/api/v1/pochas/{id}/menu/{item_id}", item, rival, map[string]any{"price": 1}).mustStatus(t, http.StatusForbidden)

	call("POST", "/api/v1/pochas/{id}/location", pid+"/location", owner,
		map[string]any{"lat": 37.5665, "lng": 126.978, "at": time.Now().UTC()}).mustStatus(t, http.StatusConflict)
	open := map[string]any{"lat": 37.5665, "lng": 126.978}
	call("POST", "/api/v1/pochas/{id}/open", pid+"/open", owner, open).mustStatus(t, http.StatusForbidden)
	if _, err := api.srv.account.Create(context.Background(), accounts.NewUser{LoginID: "oa_admin", Password: "correct horse",
		Nickname: "관리자", Email: "admin@example.com", Phone: "010-0000-0000", Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	var adminLogin accounts.Session
	api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "oa_admin", "password": "correct horse"}).
		mustStatus(t, http.StatusOK).decode(t, &adminLogin)
	call("GET", "/api/v1/admin/owners", "/api/v1/admin/owners", adminLogin.Token, nil).mustStatus(t, http.StatusOK)
	call("GET", "/api/v1/admin/owners", "/api/v1/admin/owners", owner, nil).mustStatus(t, http.StatusForbidden)
	ownerID := "/api/v1/admin/owners/" + itoa(login.User.ID)
	call("POST", "/api/v1/admin/owners/{id}/reject", ownerID+"/reject", adminLogin.Token, map[string]any{"reason": ""}).
		mustStatus(t, http.StatusUnprocessableEntity)
	call("POST", "/api/v1/admin/owners/{id}/approve", "/api/v1/admin/owners/999999/approve", adminLogin.Token, nil).mustStatus(t, http.StatusNotFound)
	call("POST", "/api/v1/admin/owners/{id}/approve", ownerID+"/approve", adminLogin.Token, nil).mustStatus(t, http.StatusOK)
	call("POST", "/api/v1/pochas/{id}/open", pid+"/open", owner, open).mustStatus(t, http.StatusOK)
	call("POST", "/api/v1/pochas/{id}/open", pid+"/open", owner, map[string]any{"lat": 91, "lng": 0}).mustStatus(t, http.StatusUnprocessableEntity)
	call("POST", "/api/v1/pochas/{id}/location", pid+"/location", owner,
		map[string]any{"lat": 37.5666, "lng": 126.978, "at": time.Now().UTC().Add(time.Second)}).mustStatus(t, http.StatusNoContent)
	call("GET", "/api/v1/pochas/{id}", pid, "", nil).mustStatus(t, http.StatusOK)
	var near nearbyResponse
	call("GET", "/api/v1/pochas/nearby", "/api/v1/pochas/nearby?lat=37.5665&lng=126.978&radius_m=500", "", nil).
		mustStatus(t, http.StatusOK).decode(t, &near)
	if len(near.Items) != 1 || near.Items[0].ID != p.ID {
		t.Errorf("nearby = %+v, want the open stall", near.Items)
	}
	call("GET", "/api/v1/pochas/nearby", "/api/v1/pochas/nearby?lat=95&lng=0", "", nil).mustStatus(t, http.StatusUnprocessableEntity)
	call("PATCH", "/api/v1/pochas/{id}", pid, owner, map[string]any{"category": "tteokbokki"}).mustStatus(t, http.StatusOK)
	call("PATCH", "/api/v1/pochas/{id}", pid, owner, map[string]any{"category": "pizza"}).mustStatus(t, http.StatusUnprocessableEntity)
	call("GET", "/api/v1/pochas/search", "/api/v1/pochas/search?q=%EB%96%A1%EB%B3%B6%EC%9D%B4&lat=37.5665&lng=126.978", "", nil).
		mustStatus(t, http.StatusOK)
	call("GET", "/api/v1/pochas/search", "/api/v1/pochas/search?category=hotteok", "", nil).mustStatus(t, http.StatusOK)
	call("GET", "/api/v1/pochas/search", "/api/v1/pochas/search?category=pizza", "", nil).mustStatus(t, http.StatusUnprocessableEntity)
	call("GET", "/api/v1/pochas/search", "/api/v1/pochas/search?q=x", "not-a-token", nil).mustStatus(t, http.StatusUnauthorized)
	call("GET", "/api/v1/categories", "/api/v1/categories", "", nil).mustStatus(t, http.StatusOK)
	call("POST", "/api/v1/pochas/{id}/close", pid+"/close", owner, nil).mustStatus(t, http.StatusOK)

	call("DELETE", "/api/v1/pochas/{id}/menu/{item_id}", item, owner, nil).mustStatus(t, http.StatusNoContent)

	call("GET", "/ws", "/ws", "", nil).mustStatus(t, http.StatusBadRequest)
	call("GET", "/ws", "/ws?token=not-a-token", "", nil).mustStatus(t, http.StatusUnauthorized)
	wsURL := "ws" + strings.TrimPrefix(api.http.URL, "http") + "/ws?token=" + owner
	_, res, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Origin": {"https://evil.example"}})
	if err == nil || res == nil {
		t.Fatalf("a foreign Origin was let in: %v", err)
	}
	sc.validateResponse(t, "GET", "/ws", wsResponse(t, res))
	ws, res, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatalf("dial /ws: %v", err)
	}
	sc.validateResponse(t, "GET", "/ws", wsResponse(t, res))
	var hello map[string]any
	if err := ws.ReadJSON(&hello); err != nil || hello["type"] != "hello" {
		t.Errorf("first WebSocket message %v (%v), want hello", hello, err)
	}
	_ = ws.Close()
	call("GET", "/healthz", "/healthz", "", nil).mustStatus(t, http.StatusOK)
	call("GET", "/readyz", "/readyz", "", nil).mustStatus(t, http.StatusOK)
	call("GET", "/metrics", "/metrics", "", nil).mustStatus(t, http.StatusOK)
	call("POST", "/api/v1/auth/logout", "/api/v1/auth/logout", owner, nil).mustStatus(t, http.StatusNoContent)
}

// wsResponse turns a WebSocket handshake answer into a response.
func wsResponse(t *testing.T, res *http.Response) response {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil && res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// withFakeGateway wires the payments to a fake gateway over real HTTP and
// returns the gateway's URL.
func withFakeGateway(t *testing.T) (func(*Deps), string) {
	const secret = "test_sk_openapi"
	gw := httptest.NewServer(tossfake.New(tossfake.Options{SecretKey: secret, RequireIdempotencyKey: true}))
	t.Cleanup(gw.Close)
	client := toss.New(gw.URL, secret, &http.Client{Timeout: 5 * time.Second})
	return func(d *Deps) { d.Payments = client }, gw.URL
}

// fakeCheckout opens a payment at the fake gateway, as the browser widget
// would, and returns its payment key.
func fakeCheckout(t *testing.T, gwURL string, o ordering.View) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"orderId": o.PaymentOrderID, "amount": o.Total})
	res, err := http.Post(gwURL+"/v1/fake/checkout", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		PaymentKey string `json:"paymentKey"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.PaymentKey == "" {
		t.Fatalf("fake checkout: %d %v", res.StatusCode, err)
	}
	return out.PaymentKey
}

// TestOpenAPIOrderExamplesValidate does the same for orders, payments, saved
// cards, sales and settlement.
func TestOpenAPIOrderExamplesValidate(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			testOpenAPIOrderExamples(t, kind)
		})
	}
}

func testOpenAPIOrderExamples(t *testing.T, kind store.Dialect) {
	gateway, gwURL := withFakeGateway(t)
	api := newTestAPI(t, kind, withEverything(t), gateway)
	sc := &schemaChecker{doc: loadOpenAPI(t)}
	call := func(method, docPath, path, token string, body any, headers ...string) response {
		t.Helper()
		res := api.do(method, path, token, body, headers...)
		sc.validateResponse(t, method, docPath, res)
		return res
	}
	owner, _ := api.signupLogin("owner1", store.RoleOwner)
	cust, _ := api.signupLogin("customer1", store.RoleCustomer)
	pocha, item := api.createPocha(owner, "을지로 포차", 8000)
	pid := "/api/v1/pochas/" + itoa(pocha)
	call("POST", "/api/v1/pochas/{id}/open", pid+"/open", owner, map[string]any{"lat": 37.5665, "lng": 126.978}).mustStatus(t, http.StatusOK)

	newOrder := map[string]any{"pocha_id": pocha, "items": []any{map[string]any{"menu_item_id": item, "quantity": 2}}}
	order := func() ordering.View {
		t.Helper()
		var o ordering.View
		call("POST", "/api/v1/orders", "/api/v1/orders", cust, newOrder).mustStatus(t, http.StatusCreated).decode(t, &o)
		return o
	}
	pay := func(o ordering.View, idemKey string) response {
		t.Helper()
		return call("POST", "/api/v1/payments/confirm", "/api/v1/payments/confirm", cust,
			map[string]any{"order_id": o.ID, "payment_key": fakeCheckout(t, gwURL, o), "amount": o.Total}, "Idempotency-Key", idemKey)
	}
	o := order()
	call("POST", "/api/v1/orders", "/api/v1/orders", owner, newOrder).mustStatus(t, http.StatusForbidden)
	call("POST", "/api/v1/orders", "/api/v1/orders", cust, map[string]any{"pocha_id": pocha, "items": []any{}}).
		mustStatus(t, http.StatusUnprocessableEntity)
	call("POST", "/api/v1/orders", "/api/v1/orders", cust, map[string]any{"pocha_id": pocha, "price": 1}).mustStatus(t, http.StatusBadRequest)
	oid := "/api/v1/orders/" + itoa(o.ID)
	call("GET", "/api/v1/orders/{id}", oid, cust, nil).mustStatus(t, http.StatusOK)
	call("GET", "/api/v1/orders/{id}", "/api/v1/orders/999999", cust, nil).mustStatus(t, http.StatusNotFound)
	call("GET", "/api/v1/orders", "/api/v1/orders?limit=1", cust, nil).mustStatus(t, http.StatusOK)
	call("GET", "/api/v1/orders", "/api/v1/orders?pocha_id="+itoa(pocha), owner, nil).mustStatus(t, http.StatusOK)
	call("GET", "/api/v1/orders", "/api/v1/orders?status=eaten", cust, nil).mustStatus(t, http.StatusUnprocessableEntity)

	call("POST", "/api/v1/payments/confirm", "/api/v1/payments/confirm", cust,
		map[string]any{"order_id": o.ID, "payment_key": "x", "amount": o.Total}).mustStatus(t, http.StatusBadRequest)
	call("POST", "/api/v1/payments/confirm", "/api/v1/payments/confirm", cust,
		map[string]any{"order_id": o.ID, "payment_key": "x", "amount": 1}, "Idempotency-Key", "openapi-wrong-amount").
		mustStatus(t, http.StatusUnprocessableEntity)
	pay(o, "openapi-pay-1").mustStatus(t, http.StatusOK)
	call("POST", "/api/v1/orders/{id}/accept", oid+"/accept", owner, map[string]any{"ready_in_minutes": 0}).
		mustStatus(t, http.StatusUnprocessableEntity)
	call("POST", "/api/v1/orders/{id}/accept", oid+"/accept", owner, map[string]any{"ready_in_minutes": 15}).mustStatus(t, http.StatusOK)
	call("POST", "/api/v1/orders/{id}/accept", oid+"/accept", owner, map[string]any{"ready_in_minutes": 15}).mustStatus(t, http.StatusConflict)
	call("POST", "/api/v1/orders/{id}/ready", oid+"/ready", owner, nil).mustStatus(t, http.StatusOK)
	call("POST", "/api/v1/orders/{id}/complete", oid+"/complete", owner, nil).mustStatus(t, http.StatusOK)

	o2 := order()
	call("POST", "/api/v1/orders/{id}/cancel", "/api/v1/orders/"+itoa(o2.ID)+"/cancel", cust, map[string]any{"reason": "잘못 주문"}).
		mustStatus(t, http.StatusOK)
	o3 := order()
	pay(o3, "openapi-pay-3").mustStatus(t, http.StatusOK)
	call("POST", "/api/v1/orders/{id}/reject", "/api/v1/orders/"+itoa(o3.ID)+"/reject", owner, map[string]any{"reason": "재료 소진"}).
		mustStatus(t, http.StatusOK)
	call("GET", "/api/v1/orders/{id}", "/api/v1/orders/"+itoa(o3.ID), cust, nil).mustStatus(t, http.StatusOK)

	today := time.Now().In(ordering.Seoul()).Format(time.DateOnly)
	call("GET", "/api/v1/pochas/{id}/sales", pid+"/sales?from="+today+"&to="+today, owner, nil).mustStatus(t, http.StatusOK)
	call("GET", "/api/v1/pochas/{id}/sales", pid+"/sales?from="+today, owner, nil).mustStatus(t, http.StatusUnprocessableEntity)
	month := "/api/v1/pochas/{id}/settlements/{month}"
	call("GET", month, pid+"/settlements/"+today[:7], owner, nil).mustStatus(t, http.StatusOK)
	call("GET", month, pid+"/settlements/"+today[:7], owner, nil, "Accept", "text/csv").mustStatus(t, http.StatusOK)
	call("GET", month, pid+"/settlements/2026-13", owner, nil).mustStatus(t, http.StatusUnprocessableEntity)
	call("GET", month, pid+"/settlements/"+today[:7], cust, nil).mustStatus(t, http.StatusForbidden)

	var pm ordering.MethodView
	call("POST", "/api/v1/payment-methods", "/api/v1/payment-methods", cust,
		map[string]any{"card_number": "4111-1111-1111-1111", "exp_month": 12, "exp_year": time.Now().Year() + 3}).
		mustStatus(t, http.StatusCreated).decode(t, &pm)
	call("POST", "/api/v1/payment-methods", "/api/v1/payment-methods", cust,
		map[string]any{"card_number": "1234", "exp_month": 13, "exp_year": 1999}).mustStatus(t, http.StatusUnprocessableEntity)
	call("GET", "/api/v1/payment-methods", "/api/v1/payment-methods", cust, nil).mustStatus(t, http.StatusOK)
	call("GET", "/api/v1/payment-methods", "/api/v1/payment-methods", owner, nil).mustStatus(t, http.StatusForbidden)
	card := "/api/v1/payment-methods/" + itoa(pm.ID)
	call("PATCH", "/api/v1/payment-methods/{id}", card, cust, map[string]any{"nickname": "생활비 카드"}).mustStatus(t, http.StatusOK)
	call("DELETE", "/api/v1/payment-methods/{id}", card, cust, nil).mustStatus(t, http.StatusNoContent)
	call("DELETE", "/api/v1/payment-methods/{id}", card, cust, nil).mustStatus(t, http.StatusNotFound)

	call("POST", "/api/v1/payments/webhook", "/api/v1/payments/webhook", "", map[string]any{"eventType": "DEPOSIT_CALLBACK"}).
		mustStatus(t, http.StatusOK)
	call("POST", "/api/v1/payments/webhook", "/api/v1/payments/webhook", "", "not json").mustStatus(t, http.StatusBadRequest)
}

// TestSchemaCheckerCatches makes sure the checker behind the example tests
// reports what it should, on the document's own schemas.
func TestSchemaCheckerCatches(t *testing.T) {
	t.Parallel()
	sc := &schemaChecker{doc: loadOpenAPI(t)}
	user := `{"id": 1, "login_id": "kim.minji", "nickname": "민지", "email": "a@example.com", "phone": "01012345678",
		"role": "owner", "verified": false, "created_at": "2026-11-25T08:00:00Z"}`
	tests := []struct {
		name, schema, body string
		bad                bool
	}{
		{name: "ok", schema: "User", body: user},
		{name: "missing_required", schema: "User", body: strings.Replace(user, `"verified": false,`, "", 1), bad: true},
		{name: "undocumented_field", schema: "User", body: strings.Replace(user, `"id": 1,`, `"id": 1, "password_hash": "x",`, 1), bad: true},
		{name: "wrong_type", schema: "User", body: strings.Replace(user, `"id": 1`, `"id": "1"`, 1), bad: true},
		{name: "not_an_integer", schema: "User", body: strings.Replace(user, `"id": 1`, `"id": 1.5`, 1), bad: true},
		{name: "below_minimum", schema: "User", body: strings.Replace(user, `"id": 1`, `"id": 0`, 1), bad: true},
		{name: "enum", schema: "User", body: strings.Replace(user, `"owner"`, `"king"`, 1), bad: true},
		{name: "pattern", schema: "User", body: strings.Replace(user, `"kim.minji"`, `"Kim Minji"`, 1), bad: true},
		{name: "date_time", schema: "User", body: strings.Replace(user, `2026-11-25T08:00:00Z`, `yesterday`, 1), bad: true},
		{name: "null_is_not_a_location", schema: "Location", body: `null`, bad: true},
		{name: "hours_ok", schema: "Hours", body: `{"fri": [{"open": "18:00", "close": "02:00"}]}`},
		{name: "hours_unknown_day", schema: "Hours", body: `{"fri2": []}`, bad: true},
		{name: "hours_bad_clock", schema: "Hours", body: `{"fri": [{"open": "24:00", "close": "02:00"}]}`, bad: true},
		{name: "hours_too_many_spans", schema: "Hours", body: `{"mon": [{"open":"01:00","close":"02:00"},{"open":"03:00","close":"04:00"},
			{"open":"05:00","close":"06:00"},{"open":"07:00","close":"08:00"},{"open":"09:00","close":"10:00"}]}`, bad: true},
		{name: "nullable_string", schema: "MenuItem", body: `{"id": 1, "pocha_id": 1, "name": "순대", "description": "", "price": 4000,
			"image_id": null, "image_url": null, "sold_out": false, "position": 0, "updated_at": "2026-11-25T08:00:00Z"}`},
		{name: "price_over_max", schema: "MenuItem", body: `{"id": 1, "pocha_id": 1, "name": "순대", "description": "", "price": 10000001,
			"image_id": null, "image_url": null, "sold_out": false, "position": 0, "updated_at": "2026-11-25T08:00:00Z"}`, bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(tc.body))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			var errs []string
			sc.check("body", map[string]any{"$ref": "#/components/schemas/" + tc.schema}, v, &errs)
			if tc.bad != (len(errs) > 0) {
				t.Errorf("bad = %v, errors: %v", tc.bad, errs)
			}
		})
	}
}

package docs

// These tests keep the deployment files honest without a container engine:
// the Dockerfile, docker-compose.yml, the Makefile and the CI entry point must
// agree with go.mod, README.md and each other.

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// repoFile returns the text of a file at the repository root (this package's parent).
func repoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(name)))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

var (
	goModGoLine  = regexp.MustCompile(`(?m)^go\s+(\d+\.\d+)(?:\.\d+)?\s*$`)
	golangImage  = regexp.MustCompile(`^(?:--platform=\S+\s+)?golang:(\d+\.\d+)(?:\.\d+)?-`)
	runMakeBuild = regexp.MustCompile(`\bmake build\b`)
	illuwaVar    = regexp.MustCompile(`\bILLUWA_[A-Z0-9_]+`)
	readmeRow    = regexp.MustCompile("^\\| `(ILLUWA_[A-Z0-9_]+)`")
)

func TestDockerfileGoVersionMatchesGoMod(t *testing.T) {
	m := goModGoLine.FindStringSubmatch(repoFile(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod has no `go X.Y` line")
	}
	want := m[1]
	var seen int
	for _, in := range dockerInstructions(repoFile(t, "Dockerfile")) {
		if in.cmd != "FROM" || !strings.Contains(in.args, "golang:") {
			continue
		}
		seen++
		im := golangImage.FindStringSubmatch(in.args)
		if im == nil {
			t.Errorf("FROM %s: want a golang:X.Y-<debian> image", in.args)
			continue
		}
		if im[1] != want {
			t.Errorf("FROM %s: Go %s, but go.mod says go %s", in.args, im[1], want)
		}
	}
	if seen == 0 {
		t.Fatal("Dockerfile has no golang build stage")
	}
}

func TestDockerfileBuildsWithMakeBuild(t *testing.T) {
	ins := dockerInstructions(repoFile(t, "Dockerfile"))
	if !slices.ContainsFunc(ins, func(in instruction) bool {
		return in.cmd == "RUN" && runMakeBuild.MatchString(in.args)
	}) {
		t.Error("Dockerfile: no RUN instruction runs `make build`")
	}
	if !slices.ContainsFunc(ins, func(in instruction) bool {
		return in.cmd == "COPY" && strings.HasSuffix(in.args, " /usr/local/bin/illuwa")
	}) {
		t.Error("Dockerfile: the binary is not copied to /usr/local/bin/illuwa")
	}
	if !slices.Contains(ins, instruction{"ENTRYPOINT", `["/usr/local/bin/illuwa"]`}) {
		t.Error(`Dockerfile: want ENTRYPOINT ["/usr/local/bin/illuwa"]`)
	}

	recipe, ok := makeRecipe(repoFile(t, "Makefile"), "build")
	if !ok {
		t.Fatal("Makefile has no build target")
	}
	for _, want := range []string{"go build", "-trimpath", "-o illuwa", "main.version"} {
		if !strings.Contains(strings.ReplaceAll(recipe, "$(GO)", "go"), want) {
			t.Errorf("Makefile build recipe lacks %q:\n%s", want, recipe)
		}
	}
}

func TestComposeInstancesShareBackends(t *testing.T) {
	c := loadCompose(t)
	one, two := c.service(t, "illuwa-1"), c.service(t, "illuwa-2")
	for _, key := range []string{"ILLUWA_DATABASE_URL", "ILLUWA_REDIS_URL"} {
		v1, v2 := one.env(t)[key], two.env(t)[key]
		if v1 == "" || v1 != v2 {
			t.Errorf("%s: illuwa-1 has %q, illuwa-2 has %q; want the same, non-empty", key, v1, v2)
		}
	}
	for name, s := range map[string]composeService{"illuwa-1": one, "illuwa-2": two} {
		if s.Build == nil {
			t.Errorf("%s: not built from the Dockerfile", name)
		}
		deps := s.dependsOn(t)
		for _, backend := range []string{"mariadb", "redis"} {
			if deps[backend] != "service_healthy" {
				t.Errorf("%s: depends_on %s is %q, want service_healthy", name, backend, deps[backend])
			}
			if c.service(t, backend).Healthcheck == nil {
				t.Errorf("%s has no healthcheck, so service_healthy never comes", backend)
			}
		}
	}
	for name, s := range map[string]composeService{"illuwa-1": one, "illuwa-2": two} {
		// Images must live where both instances read them (the default).
		if store := s.env(t)["ILLUWA_IMAGE_STORE"]; store != "" && store != "database" {
			t.Errorf("%s: ILLUWA_IMAGE_STORE=%s, so an image uploaded through one instance is a 404 on the other", name, store)
		}
	}

	db, err := url.Parse(one.env(t)["ILLUWA_DATABASE_URL"])
	if err != nil {
		t.Fatalf("ILLUWA_DATABASE_URL: %v", err)
	}
	menv := c.service(t, "mariadb").env(t)
	pass, _ := db.User.Password()
	if db.Hostname() != "mariadb" || db.User.Username() != menv["MARIADB_USER"] ||
		pass != menv["MARIADB_PASSWORD"] || strings.TrimPrefix(db.Path, "/") != menv["MARIADB_DATABASE"] {
		t.Errorf("ILLUWA_DATABASE_URL %s does not match the mariadb service (user %q, database %q)",
			db.Redacted(), menv["MARIADB_USER"], menv["MARIADB_DATABASE"])
	}
	if r, err := url.Parse(one.env(t)["ILLUWA_REDIS_URL"]); err != nil || r.Hostname() != "redis" {
		t.Errorf("ILLUWA_REDIS_URL %q: want host redis (err %v)", one.env(t)["ILLUWA_REDIS_URL"], err)
	}
}

func TestComposeLoadBalancerReachesBothInstances(t *testing.T) {
	c := loadCompose(t)
	var lb *composeService
	for name, s := range c.Services {
		if slices.Contains(s.publishedPorts(), "8080") {
			if lb != nil {
				t.Fatalf("more than one service publishes 8080 (one is %s)", name)
			}
			lb = &s
		}
	}
	if lb == nil {
		t.Fatal("no service publishes port 8080")
	}
	var config strings.Builder
	for _, src := range lb.bindSources() {
		b, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(src)))
		if err != nil {
			t.Fatalf("load balancer mounts %s: %v", src, err)
		}
		for line := range strings.Lines(string(b)) {
			code, _, _ := strings.Cut(line, "#") // nginx and Caddy comments
			config.WriteString(code + "\n")
		}
	}
	for _, want := range []string{"illuwa-1:8080", "illuwa-2:8080"} {
		if !strings.Contains(config.String(), want) {
			t.Errorf("load balancer config does not proxy to %s", want)
		}
	}
	if strings.Contains(lb.Image, "nginx") {
		for _, want := range []string{"proxy_http_version 1.1", "Upgrade $http_upgrade", "Connection $connection_upgrade"} {
			if !strings.Contains(config.String(), want) {
				t.Errorf("nginx config lacks %q, so WebSockets would not pass", want)
			}
		}
	}
}

// TestComposeTrustsAndPublishesOnlyTheBalancer: a client on the compose
// network cannot name another client address (only the balancer's fixed
// address is a trusted proxy), and from outside only the balancer is reachable.
func TestComposeTrustsAndPublishesOnlyTheBalancer(t *testing.T) {
	c := loadCompose(t)
	lb := c.service(t, "lb")
	nets, _ := lb.Networks.(map[string]any)
	var lbAddr string
	for _, n := range nets {
		if m, ok := n.(map[string]any); ok {
			lbAddr = scalar(m["ipv4_address"])
		}
	}
	if net.ParseIP(lbAddr) == nil {
		t.Fatalf("lb has no fixed ipv4_address (networks %v), so no single address can be trusted", lb.Networks)
	}
	checkPublishes(t, "lb", lb, "8080")
	for name, s := range c.Services {
		if name != "lb" && len(s.publishedPorts()) > 0 {
			t.Errorf("%s publishes %v: only the balancer may be reachable from outside", name, s.publishedPorts())
		}
		if !strings.HasPrefix(name, "illuwa-") {
			continue
		}
		if got := s.env(t)["ILLUWA_TRUSTED_PROXIES"]; got != lbAddr {
			t.Errorf("%s: ILLUWA_TRUSTED_PROXIES=%q, want only the balancer's address %s", name, got, lbAddr)
		}
	}
}

// TestTLSExampleEndsTLSAtTheBalancer: the TLS variant of the balancer
// listens with TLS, redirects plain HTTP, proxies to both instances with
// WebSockets, and tells them the request came over https.
func TestTLSExampleEndsTLSAtTheBalancer(t *testing.T) {
	var config strings.Builder
	for line := range strings.Lines(repoFile(t, ".ci/nginx-tls.conf")) {
		code, _, _ := strings.Cut(line, "#")
		config.WriteString(code + "\n")
	}
	for _, want := range []string{"listen 443 ssl", "ssl_certificate ", "ssl_certificate_key ", "return 308 https://",
		"illuwa-1:8080", "illuwa-2:8080", "proxy_http_version 1.1", "Upgrade $http_upgrade", "Connection $connection_upgrade",
		"X-Forwarded-Proto https", "X-Forwarded-For $remote_addr"} {
		if !strings.Contains(config.String(), want) {
			t.Errorf(".ci/nginx-tls.conf lacks %q", want)
		}
	}
	if !strings.Contains(repoFile(t, "README.md"), ".ci/nginx-tls.conf") {
		t.Error("README.md does not point to the TLS example")
	}
}

func TestDeployVariablesAreDocumented(t *testing.T) {
	known := readmeVariables(t)
	if len(known) == 0 {
		if os.Getenv("CI") != "true" {
			t.Skip("README.md has no configuration table (rows starting with | `ILLUWA_) yet")
		}
		t.Fatal("README.md has no configuration table: rows starting with | `ILLUWA_")
	}
	used := map[string]string{} // variable -> where it is set
	for name, s := range loadCompose(t).Services {
		for k := range s.env(t) {
			if strings.HasPrefix(k, "ILLUWA_") {
				used[k] = "docker-compose.yml service " + name
			}
		}
	}
	for _, in := range dockerInstructions(repoFile(t, "Dockerfile")) {
		if in.cmd == "ENV" {
			for _, k := range illuwaVar.FindAllString(in.args, -1) {
				used[k] = "Dockerfile ENV"
			}
		}
	}
	for k, where := range used {
		if !known[k] {
			t.Errorf("%s sets %s, which README.md's configuration table does not list", where, k)
		}
	}
}

func TestCIRunEndsWithMakeTest(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(repoFile(t, ".ci/run"), "\n"), "\n")
	if last := lines[len(lines)-1]; last != "make test" {
		t.Errorf(".ci/run ends with %q, want exactly %q (the README's test command)", last, "make test")
	}
	if lines[0] != "#!/usr/bin/env bash" {
		t.Errorf(".ci/run starts with %q, want #!/usr/bin/env bash", lines[0])
	}
}

// readmeVariables returns the ILLUWA_* names in README.md's configuration table.
func readmeVariables(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("read README.md: %v", err)
	}
	known := map[string]bool{}
	for line := range strings.Lines(string(b)) {
		if m := readmeRow.FindStringSubmatch(line); m != nil {
			known[m[1]] = true
		}
	}
	return known
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, COPY, ...
	args string // the rest, with runs of blanks collapsed
}

// dockerInstructions splits a Dockerfile into instructions, skipping comments.
func dockerInstructions(text string) []instruction {
	var out []instruction
	var cur strings.Builder
	flush := func() {
		fields := strings.Fields(cur.String())
		cur.Reset()
		if len(fields) > 0 {
			out = append(out, instruction{strings.ToUpper(fields[0]), strings.Join(fields[1:], " ")})
		}
	}
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		if body, more := strings.CutSuffix(line, "\\"); more {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()
	return out
}

// makeRecipe returns the recipe lines of a Makefile target, and whether the
// target exists.
func makeRecipe(makefile, target string) (string, bool) {
	var recipe strings.Builder
	in, found := false, false
	for line := range strings.Lines(makefile) {
		switch {
		case strings.HasPrefix(line, target+":"):
			in, found = true, true
		case in && strings.HasPrefix(line, "\t"):
			recipe.WriteString(line)
		case in:
			in = false
		}
	}
	return recipe.String(), found
}

// composeFile is the part of docker-compose.yml these tests read.
type composeFile struct {
	Services map[string]composeService `json:"services"`
}

// composeService is one service; the fields compose accepts in several forms stay raw.
type composeService struct {
	Image       string `json:"image"`
	Build       any    `json:"build"`
	Environment any    `json:"environment"` // map or list of KEY=VALUE
	DependsOn   any    `json:"depends_on"`  // map of name -> {condition} or list of names
	Ports       []any  `json:"ports"`       // "HOST:CONTAINER" or {published, target}
	Volumes     []any  `json:"volumes"`     // "SOURCE:TARGET[:MODE]" or {type, source, target}
	Networks    any    `json:"networks"`    // list of names or map of name -> {ipv4_address}
	Healthcheck any    `json:"healthcheck"`
}

// loadCompose parses docker-compose.yml (YAML anchors and merge keys resolved).
func loadCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	if err := yaml.Unmarshal([]byte(repoFile(t, "docker-compose.yml")), &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

func (c composeFile) service(t *testing.T, name string) composeService {
	t.Helper()
	s, ok := c.Services[name]
	if !ok {
		t.Fatalf("docker-compose.yml has no service %q", name)
	}
	return s
}

// env returns the service's environment as a map, whichever form it is written in.
func (s composeService) env(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	switch e := s.Environment.(type) {
	case nil:
	case map[string]any:
		for k, v := range e {
			out[k] = scalar(v)
		}
	case []any:
		for _, kv := range e {
			k, v, _ := strings.Cut(scalar(kv), "=")
			out[k] = v
		}
	default:
		t.Fatalf("environment: unexpected form %T", e)
	}
	return out
}

// dependsOn returns each dependency with its condition (service_started when a list).
func (s composeService) dependsOn(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	switch d := s.DependsOn.(type) {
	case nil:
	case []any:
		for _, name := range d {
			out[scalar(name)] = "service_started"
		}
	case map[string]any:
		for name, v := range d {
			cond, _ := v.(map[string]any)["condition"].(string)
			out[name] = cond
		}
	default:
		t.Fatalf("depends_on: unexpected form %T", d)
	}
	return out
}

// publishedPorts returns the host ports the service publishes.
func (s composeService) publishedPorts() []string {
	var out []string
	for _, p := range s.Ports {
		if m, ok := p.(map[string]any); ok {
			out = append(out, scalar(m["published"]))
			continue
		}
		parts := strings.Split(strings.Split(scalar(p), "/")[0], ":")
		if len(parts) >= 2 {
			out = append(out, parts[len(parts)-2])
		}
	}
	return out
}

// bindSources returns the repository-relative files or folders mounted into the service.
func (s composeService) bindSources() []string {
	var out []string
	for _, v := range s.Volumes {
		src := ""
		if m, ok := v.(map[string]any); ok {
			src = scalar(m["source"])
		} else {
			src, _, _ = strings.Cut(scalar(v), ":")
		}
		if strings.HasPrefix(src, "./") {
			out = append(out, src)
		}
	}
	return out
}

func checkPublishes(t *testing.T, name string, s composeService, port string) {
	t.Helper()
	if got := s.publishedPorts(); !slices.Contains(got, port) {
		t.Errorf("%s publishes %v, want %s", name, got, port)
	}
}

// scalar formats a YAML scalar (string, number or bool) as compose reads it.
func scalar(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return strings.TrimSpace(fmt.Sprint(v))
	}
}

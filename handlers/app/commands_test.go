package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
)

func runCmd(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestInvalidSettingNamesTheVariable(t *testing.T) {
	tests := []struct{ name, val string }{
		{"ILLUWA_ADDR", "8080"},
		{"ILLUWA_LOCATION_TTL", "soon"},
		{"ILLUWA_MAX_SPEED_KMH", "NaN"},
		{"ILLUWA_DATABASE_URL", "postgres://x"},
		{"ILLUWA_REDIS_URL", "http://localhost"},
		{"ILLUWA_DEMO", "maybe"},
		{"ILLUWA_LOG_LEVEL", "loud"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(t, map[string]string{tc.name: tc.val, "ILLUWA_DATA_DIR": t.TempDir()}, "serve")
			if err == nil || !strings.Contains(err.Error(), tc.name) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q should be one line naming %s", err, tc.name)
			}
		})
	}
}

func TestServeHelpListsEverySetting(t *testing.T) {
	_, help, err := runCmd(t, nil, "serve", "--help")
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("--help returned %v", err)
	}
	for _, s := range settings(&Config{}) {
		if !strings.Contains(help, s.env) || !strings.Contains(help, "--"+s.flag) {
			t.Errorf("serve --help lacks %s / --%s", s.env, s.flag)
		}
	}
}

// TestREADMEConfigurationTable keeps the README's table equal to the settings.
func TestREADMEConfigurationTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile("(?m)^\\| `(ILLUWA_[A-Z_]+)` \\| `--([a-z-]+)` \\|").FindAllStringSubmatch(string(readme), -1)
	documented := map[string]string{}
	for _, r := range rows {
		documented[r[1]] = r[2]
	}
	for _, s := range settings(&Config{}) {
		if flag, ok := documented[s.env]; !ok || flag != s.flag {
			t.Errorf("README configuration table lacks | `%s` | `--%s` |", s.env, s.flag)
		}
		delete(documented, s.env)
	}
	for env := range documented {
		t.Errorf("README documents %s, which the program does not read", env)
	}
}

func TestMigrateAndUserCreate(t *testing.T) {
	env := map[string]string{"ILLUWA_DATA_DIR": t.TempDir(), "ILLUWA_NEW_PASSWORD": "admin-pass-1"}
	out, _, err := runCmd(t, env, "migrate", "up")
	if err != nil || !strings.Contains(out, "applied") {
		t.Fatalf("migrate up: %q %v", out, err)
	}
	out, _, err = runCmd(t, env, "migrate", "status")
	if err != nil || strings.Count(out, "applied") < 3 {
		t.Fatalf("migrate status: %q %v", out, err)
	}
	out, _, err = runCmd(t, env, "user", "create", "--role", "admin", "--login-id", "root-admin", "--email", "admin@example.com", "--phone", "010-1111-2222")
	if err != nil || !strings.Contains(out, `created admin "root-admin"`) {
		t.Fatalf("user create: %q %v", out, err)
	}
	_, _, err = runCmd(t, env, "user", "create", "--role", "admin", "--login-id", "x", "--email", "bad", "--phone", "1")
	if err == nil || !strings.Contains(err.Error(), "login_id") || !strings.Contains(err.Error(), "email") {
		t.Fatalf("invalid user: %v", err)
	}
	if _, _, err := runCmd(t, env, "migrate", "sideways"); err == nil {
		t.Fatal("unknown migrate command accepted")
	}
	if _, _, err := runCmd(t, env, "frobnicate"); err == nil {
		t.Fatal("unknown command accepted")
	}
}

package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/bench/loadgen"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// TestLoadgenSetupApprovesOwners runs `illuwa loadgen --setup-only` against a
// real server on MariaDB, whose owners wait for an admin's approval: without
// an admin the setup stops, before making more than one stall per owner,
// with what to do; with --admin-login (an admin made by `illuwa user create`)
// it approves its owners through the admin API and opens every stall; a rerun
// approves nothing more.
func TestLoadgenSetupApprovesOwners(t *testing.T) {
	in := start(t, map[string]string{"ILLUWA_DATABASE_URL": storetest.URL(t, store.MySQL)})
	statePath := filepath.Join(t.TempDir(), "state.json")
	args := []string{"loadgen", "--url", in.base, "--state", statePath, "--owners", "3", "--stalls", "9", "--movers", "3",
		"--dialers", "4", "--setup-only"}
	const adminPass = "loadgen admin pass 1"
	withAdmin := map[string]string{loadgen.AdminPasswordEnv: adminPass}

	// No admin: a clear stop, not a raw 403 at the first stall.
	_, _, err := runCmd(t, nil, args...)
	if err == nil {
		t.Fatal("setup opened stalls of owners no admin approved")
	}
	for _, want := range []string{"loadgen.owner0000, loadgen.owner0001, loadgen.owner0002 wait for an admin's approval",
		"illuwa user create --role admin", "--admin-login", loadgen.AdminPasswordEnv} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
	var st loadgen.State
	b, rerr := os.ReadFile(statePath)
	if rerr != nil || json.Unmarshal(b, &st) != nil {
		t.Fatalf("state after the stop: %v %s", rerr, b)
	}
	made := 0
	for _, s := range st.Stalls {
		if s.ID != 0 {
			made++
		}
	}
	if made > 3 {
		t.Errorf("%d stalls made before the stop, want at most one per owner (3)", made)
	}

	// --admin-login without its password, or with an account that is no admin.
	if _, _, err := runCmd(t, nil, append(args, "--admin-login", "loadgen.admin")...); err == nil ||
		!strings.Contains(err.Error(), loadgen.AdminPasswordEnv) {
		t.Errorf("--admin-login without %s: %v", loadgen.AdminPasswordEnv, err)
	}
	if _, _, err := runCmd(t, map[string]string{loadgen.AdminPasswordEnv: "loadgen-loadgen.owner0000"},
		append(args, "--reuse", "--admin-login", "loadgen.owner0000")...); err == nil || !strings.Contains(err.Error(), "not an admin") {
		t.Errorf("an owner as --admin-login: %v", err)
	}

	// An admin, made on the command line; the setup approves and opens all.
	if _, _, err := runCmd(t, map[string]string{"ILLUWA_DATABASE_URL": in.dbURL, "ILLUWA_NEW_PASSWORD": adminPass},
		"user", "create", "--role", "admin", "--login-id", "loadgen.admin", "--email", "loadgen.admin@example.com", "--phone", "010-9999-0000"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, withAdmin, append(args, "--reuse", "--admin-login", "loadgen.admin")...)
	if err != nil {
		t.Fatalf("setup with --admin-login: %v\n%s", err, out)
	}
	if !strings.Contains(out, "approved 3 pending owners of 3 as admin loadgen.admin") || !strings.Contains(out, "9 stalls of 3 owners open") {
		t.Errorf("setup output:\n%s", out)
	}
	admin := in.login("loadgen.admin", adminPass)
	var approved struct {
		Owners []struct {
			LoginID string `json:"login_id"`
		}
	}
	in.call("GET", "/api/v1/admin/owners?status=approved", admin, nil, 200, &approved)
	var logins []string
	for _, o := range approved.Owners {
		logins = append(logins, o.LoginID)
	}
	sort.Strings(logins) // they signed up concurrently
	if strings.Join(logins, " ") != "loadgen.owner0000 loadgen.owner0001 loadgen.owner0002" {
		t.Errorf("approved owners: %v", logins)
	}
	b, _ = os.ReadFile(statePath)
	st = loadgen.State{}
	if err := json.Unmarshal(b, &st); err != nil || len(st.Stalls) != 9 {
		t.Fatalf("state: %v %s", err, b)
	}
	for _, s := range st.Stalls {
		var p struct {
			IsOpen bool `json:"is_open"`
		}
		in.call("GET", "/api/v1/pochas/"+itoa(s.ID), "", nil, 200, &p)
		if !p.IsOpen {
			t.Errorf("stall %d is not open", s.ID)
		}
	}

	// Idempotent: a rerun finds nobody pending.
	out, _, err = runCmd(t, withAdmin, append(args, "--reuse", "--admin-login", "loadgen.admin")...)
	if err != nil || !strings.Contains(out, "approved 0 pending owners of 3") {
		t.Errorf("rerun: %v\n%s", err, out)
	}

	// An owner signed up without a 사업자등록번호 (by an older load tool)
	// cannot be approved: the setup says so.
	in.call("POST", "/api/v1/auth/signup", "", map[string]any{"login_id": "old.owner0000", "password": "loadgen-old.owner0000",
		"nickname": "old owner", "email": "old.owner0000@example.com", "phone": "010-9000-0000", "role": "owner"}, 201, nil)
	_, _, err = runCmd(t, withAdmin, "loadgen", "--url", in.base, "--state", filepath.Join(t.TempDir(), "old.json"), "--owners", "1",
		"--stalls", "1", "--movers", "0", "--account-prefix", "old", "--admin-login", "loadgen.admin", "--setup-only")
	if err == nil || !strings.Contains(err.Error(), "사업자등록번호") || !strings.Contains(err.Error(), "--account-prefix") {
		t.Errorf("an owner without a business number: %v", err)
	}
}

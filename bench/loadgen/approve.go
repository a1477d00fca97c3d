package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/illuwa/illuwa/handlers/accounts"
)

// Owners who sign up wait for an admin's approval before a stall of theirs
// opens (403 owner_not_approved). With --admin-login, setup logs in as that
// admin and approves, through the admin API, the owners it signed up that
// are still pending; without it, setup stops with a notApprovedError that
// says how to give it one.

// businessNumber is owner i's 사업자등록번호 (123-45-67890): nine digits
// from i and the check digit the server verifies.
func businessNumber(i int) string {
	d := fmt.Sprintf("9%08d", i%100000000)
	return fmt.Sprintf("%s-%s-%s%c", d[:3], d[3:5], d[5:], accounts.BusinessCheckDigit(d))
}

// approveOwners approves, as cfg.AdminLogin, those of the owners (user ids
// by owner index) that the server lists as pending. Owners already approved
// are left alone, so a rerun approves nothing.
func approveOwners(ctx context.Context, cfg *Config, api *apiClient, st *State, ids []uint64, logw io.Writer) error {
	sess, err := api.login(ctx, loginRequest{cfg.AdminLogin, cfg.AdminPassword})
	if err != nil {
		return fmt.Errorf("loadgen: log in as --admin-login %s (password from %s): %w", cfg.AdminLogin, AdminPasswordEnv, err)
	}
	defer func() {
		_ = api.do(context.WithoutCancel(ctx), http.MethodPost, "/api/v1/auth/logout", sess.Token, nil, nil)
	}()
	if sess.User.Role != "admin" {
		return fmt.Errorf("loadgen: --admin-login %s is a %s account, not an admin: make one with illuwa user create --role admin", cfg.AdminLogin, sess.User.Role)
	}
	ours := make(map[uint64]int, len(ids))
	for i, id := range ids {
		ours[id] = i
	}
	var pending []int // owner indexes
	for cursor := ""; ; {
		path := "/api/v1/admin/owners?status=pending&limit=100"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		var page struct {
			Owners []struct {
				ID uint64 `json:"id"`
			} `json:"owners"`
			NextCursor string `json:"next_cursor"`
		}
		if err := api.do(ctx, http.MethodGet, path, sess.Token, nil, &page); err != nil {
			return fmt.Errorf("loadgen: pending owners: %w", err)
		}
		for _, o := range page.Owners {
			if i, ok := ours[o.ID]; ok {
				pending = append(pending, i)
			}
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	for _, i := range pending {
		err := api.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/admin/owners/%d/approve", ids[i]), sess.Token, nil, nil)
		if problemCode(err, "validation_failed") {
			return fmt.Errorf("loadgen: owner %s cannot be approved: it has no valid 사업자등록번호 (an older load tool signed it up without one); use another --account-prefix: %w", st.Owners[i].LoginID, err)
		}
		if err != nil {
			return fmt.Errorf("loadgen: approve owner %s: %w", st.Owners[i].LoginID, err)
		}
	}
	fmt.Fprintf(logw, "approved %d pending owners of %d as admin %s\n", len(pending), len(ids), cfg.AdminLogin)
	return nil
}

// notApprovedError: owners of the fleet are not approved, so their stalls
// cannot open. Its message says what to do.
type notApprovedError struct {
	cfg    *Config
	logins []string
}

func (e *notApprovedError) Error() string {
	names := e.logins
	if len(names) > 3 {
		names = append(names[:3:3], fmt.Sprintf("… (%d in all)", len(e.logins)))
	}
	who := strings.Join(names, ", ")
	if e.cfg.AdminLogin != "" {
		return fmt.Sprintf("loadgen: owners %s are not approved, though admin %s approved every pending one: "+
			"did an admin reject them? Approve them (POST /api/v1/admin/owners/{id}/approve) or use another --account-prefix", who, e.cfg.AdminLogin)
	}
	return fmt.Sprintf(`loadgen: owners %s wait for an admin's approval, so their stalls cannot open.
Let the load tool approve them as an admin:
  1. make an admin once, on the server's database (the server's ILLUWA_DATABASE_URL, or its ILLUWA_DATA_DIR for SQLite):
     ILLUWA_NEW_PASSWORD='<password>' illuwa user create --role admin --login-id loadgen.admin --email loadgen.admin@example.com --phone 010-9999-0000
  2. run again as that admin (--reuse keeps what this run made):
     %s='<password>' illuwa loadgen --admin-login loadgen.admin --reuse …`, who, AdminPasswordEnv)
}

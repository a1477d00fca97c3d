package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestSharedBudgets: two instances on one Redis spend one budget of failed
// logins per address, of writes per user and of webhook calls per address:
// the attempt past the budget is refused whichever instance gets it.
func TestSharedBudgets(t *testing.T) {
	env := redisEnv(t)
	env["ILLUWA_WRITES_PER_MINUTE"] = "3"
	env["ILLUWA_WEBHOOK_RATE"] = "2"
	a, b := start(t, env), start(t, env)
	token := a.account("budget_user", "customer")

	// Failed logins: 10 per address, over both instances.
	bad := map[string]any{"login_id": "budget_user", "password": "not the password"}
	for i := range 10 {
		in := a
		if i%2 == 1 {
			in = b
		}
		in.call("POST", "/api/v1/auth/login", "", bad, http.StatusUnauthorized, nil)
	}
	for _, in := range []*instance{a, b} {
		var p struct{ Code string }
		in.call("POST", "/api/v1/auth/login", "", bad, http.StatusTooManyRequests, &p)
		if p.Code != "too_many_attempts" {
			t.Fatalf("11th failed login: %q", p.Code)
		}
	}

	// Writes: 3 uploads a minute per user, over both instances.
	for i := range 3 {
		in := a
		if i == 1 {
			in = b
		}
		in.call("POST", "/api/v1/images", token, pngUpload(t), http.StatusCreated, nil)
	}
	for _, in := range []*instance{a, b} {
		data := in.call("POST", "/api/v1/images", token, pngUpload(t), http.StatusTooManyRequests, nil)
		var p struct{ Code string }
		_ = json.Unmarshal(data, &p)
		if p.Code != "too_many_writes" {
			t.Fatalf("4th upload: %s", data)
		}
	}

	// Webhook calls: 2 a minute per source address, over both instances.
	hook := func(in *instance) int {
		res, err := http.Post(in.base+"/api/v1/payments/webhook", "application/json", strings.NewReader(`{"eventType":"NOT_OURS"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s1, s2 := hook(a), hook(b); s1 == http.StatusTooManyRequests || s2 == http.StatusTooManyRequests {
		t.Fatalf("webhook calls within the budget: %d %d", s1, s2)
	}
	if s := hook(a); s != http.StatusTooManyRequests {
		t.Fatalf("3rd webhook call over two instances: %d, want 429", s)
	}
}

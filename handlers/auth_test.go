package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/handlers/check"
)

func TestSignupValidation(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, "sqlite")
	good := func() map[string]any {
		return map[string]any{"login_id": "Hong_Gildong", "password": "secret-pass", "nickname": "홍길동",
			"email": "hong@example.com", "phone": "010-1234-5678", "role": "customer"}
	}
	tests := []struct {
		name   string
		mutate func(m map[string]any)
		raw    string
		status int
		code   string
		field  string
	}{
		{name: "ok", mutate: func(m map[string]any) {}, status: 201},
		{name: "taken_login_id", mutate: func(m map[string]any) { m["login_id"] = "hong_gildong" }, status: 409, code: "login_id_taken", field: "login_id"},
		{name: "admin_role_refused", mutate: func(m map[string]any) { m["login_id"] = "admin1"; m["role"] = "admin" }, status: 422, code: "validation_failed", field: "role"},
		{name: "mass_assignment_verified", mutate: func(m map[string]any) { m["login_id"] = "mass1"; m["verified"] = true }, status: 400, code: "unknown_field", field: "verified"},
		{name: "mass_assignment_id", mutate: func(m map[string]any) { m["login_id"] = "mass2"; m["id"] = 1 }, status: 400, code: "unknown_field", field: "id"},
		{name: "bad_email", mutate: func(m map[string]any) { m["login_id"] = "mail1"; m["email"] = "not-an-email" }, status: 422, code: "validation_failed", field: "email"},
		{name: "bad_phone", mutate: func(m map[string]any) { m["login_id"] = "phone1"; m["phone"] = "12ab" }, status: 422, code: "validation_failed", field: "phone"},
		{name: "short_password", mutate: func(m map[string]any) { m["login_id"] = "pass1"; m["password"] = "short" }, status: 422, code: "validation_failed", field: "password"},
		{name: "malformed_json", raw: `{"login_id": "x",`, status: 400, code: "malformed_json"},
		{name: "not_an_object", raw: `[1,2]`, status: 400, code: "malformed_json"},
		{name: "two_objects", raw: `{} {}`, status: 400, code: "malformed_json"},
		{name: "wrong_type", raw: `{"login_id": 5}`, status: 400, code: "malformed_json", field: "login_id"},
		{name: "huge_body", raw: `{"nickname":"` + strings.Repeat("a", 100<<10) + `"}`, status: 413, code: "body_too_large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body any = tc.raw
			if tc.raw == "" {
				m := good()
				tc.mutate(m)
				body = m
			}
			res := api.do("POST", "/api/v1/auth/signup", "", body).mustStatus(t, tc.status)
			if tc.status < 300 {
				var u accounts.View
				res.decode(t, &u)
				if u.LoginID != "hong_gildong" || u.Role != "customer" || u.Verified || u.Phone != "01012345678" {
					t.Fatalf("created user %+v", u)
				}
				if strings.Contains(string(res.Body), "argon2") || strings.Contains(string(res.Body), "password") {
					t.Fatalf("response leaks the password hash: %s", res.Body)
				}
				return
			}
			p := res.problem(t)
			if p.Code != tc.code || p.Status != tc.status || p.RequestID == "" {
				t.Fatalf("problem %+v, want code %s", p, tc.code)
			}
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
				t.Fatalf("problem fields %+v, want %s", p.Errors, tc.field)
			}
		})
	}
}

func TestLoginLogoutAndMe(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		token, u := api.signupLogin("kimchi", "owner")
		var me accounts.View
		api.do("GET", "/api/v1/me", token, nil).mustStatus(t, 200).decode(t, &me)
		if me.ID != u.ID || me.Role != "owner" {
			t.Fatalf("me = %+v", me)
		}
		// Mass assignment through PATCH /me: refused, and nothing changes.
		api.do("PATCH", "/api/v1/me", token, map[string]any{"nickname": "x", "role": "admin"}).mustStatus(t, 400)
		api.do("GET", "/api/v1/me", token, nil).mustStatus(t, 200).decode(t, &me)
		if me.Role != "owner" || me.Nickname != "kimchi" {
			t.Fatalf("a refused patch changed the user: %+v", me)
		}
		api.do("PATCH", "/api/v1/me", token, map[string]any{"nickname": "김치", "email": "new@example.com", "current_password": "correct horse"}).mustStatus(t, 200).decode(t, &me)
		if me.Nickname != "김치" || me.Email != "new@example.com" {
			t.Fatalf("patch: %+v", me)
		}
		api.do("PATCH", "/api/v1/me", token, map[string]any{"password": "another-pass", "current_password": "wrong one"}).mustStatus(t, 403)
		api.do("PATCH", "/api/v1/me", token, map[string]any{"password": "another-pass", "current_password": "correct horse"}).mustStatus(t, 200)
		api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "kimchi", "password": "correct horse"}).mustStatus(t, 401)
		api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "KIMCHI", "password": "another-pass"}).mustStatus(t, 200)

		api.do("POST", "/api/v1/auth/logout", token, nil).mustStatus(t, http.StatusNoContent)
		p := api.do("GET", "/api/v1/me", token, nil).mustStatus(t, 401).problem(t)
		if p.Code != "invalid_token" {
			t.Fatalf("after logout: %+v", p)
		}
		api.do("GET", "/api/v1/me", "", nil).mustStatus(t, 401)
		if strings.Contains(api.logs.String(), "correct horse") || strings.Contains(api.logs.String(), token) {
			t.Fatal("a password or token reached the logs")
		}
	})
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, "sqlite", func(d *Deps) { d.Options.LoginFailures = 3 })
	api.signupLogin("target", "customer")
	for i := 0; i < 3; i++ {
		api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "target", "password": "guess guess"}).mustStatus(t, 401)
	}
	res := api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "target", "password": "correct horse"}).mustStatus(t, 429)
	if res.Header.Get("Retry-After") == "" || res.problem(t).Code != "too_many_attempts" {
		t.Fatalf("429 without Retry-After or code: %v %s", res.Header, res.Body)
	}
}

func TestLoginLimitHoldsUnderParallelGuesses(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, "sqlite", func(d *Deps) { d.Options.LoginFailures = 5 })
	api.signupLogin("parallel", "customer")
	const n = 20
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "parallel", "password": "wrong guess"}).Status
		}()
	}
	wg.Wait()
	close(statuses)
	unauthorized := 0
	for st := range statuses {
		if st == 401 {
			unauthorized++
		} else if st != 429 && st != 503 {
			t.Fatalf("unexpected status %d", st)
		}
	}
	if unauthorized > 5 {
		t.Fatalf("%d parallel guesses were checked, limit 5", unauthorized)
	}
}

func TestForwardedForIsNotTrusted(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, "sqlite", func(d *Deps) { d.Options.LoginFailures = 3 })
	for i := range 5 {
		res := api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "user" + itoa(uint64(i)), "password": "wrong guess"},
			"X-Forwarded-For", "10.0.0."+itoa(uint64(i)))
		if i >= 3 && res.Status != 429 {
			t.Fatalf("attempt %d with a forged X-Forwarded-For: status %d, want 429", i, res.Status)
		}
	}
}

func TestSignupRateLimit(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, "sqlite", func(d *Deps) { d.Options.Signups = 2 })
	for i, want := range []int{201, 201, 429} {
		api.do("POST", "/api/v1/auth/signup", "", map[string]any{"login_id": "signup" + itoa(uint64(i)), "password": "correct horse",
			"nickname": "n", "email": "s@example.com", "phone": "010-1234-5678", "role": "customer"}).mustStatus(t, want)
	}
}

// A stolen token must not allow unlimited guesses of the current password:
// wrong guesses on PATCH /me count like failed logins, and a refused change
// changes nothing.
func TestPasswordChangeGuessesAreLimited(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		token, _ := api.signupLogin("victim", "customer")
		limit := api.srv.opts.LoginFailures
		for i := range limit {
			res := api.do("PATCH", "/api/v1/me", token, map[string]any{"password": "attacker-pass", "current_password": fmt.Sprintf("guess-%d", i)})
			if p := res.mustStatus(t, http.StatusForbidden).problem(t); p.Code != "invalid_credentials" {
				t.Fatalf("guess %d: code %q", i, p.Code)
			}
		}
		res := api.do("PATCH", "/api/v1/me", token, map[string]any{"password": "attacker-pass", "current_password": "correct horse"})
		if p := res.mustStatus(t, http.StatusTooManyRequests).problem(t); p.Code != "too_many_attempts" || res.Header.Get("Retry-After") == "" {
			t.Fatalf("after %d wrong guesses: %+v, Retry-After %q", limit, p, res.Header.Get("Retry-After"))
		}
		// The password is unchanged: the old one still logs in, the new one does not.
		api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "victim", "password": "attacker-pass"}).mustStatus(t, http.StatusUnauthorized)
		api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "victim", "password": "correct horse"}).mustStatus(t, http.StatusOK)
	})
}

// A token that is sent is checked whatever its length: an overlong one is a
// 401 like any unknown token, never a silently anonymous request or
// WebSocket connection.
func TestOverlongTokenIsRefused(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, "sqlite", withEverything(t))
	owner, _ := api.signupLogin("owner-a", "owner")
	pid, _ := api.createPocha(owner, "종로 포차", 5000)
	long := strings.Repeat("A", accounts.MaxTokenLen+1)

	res := api.do("GET", "/api/v1/pochas/"+itoa(pid), long, nil)
	if p := res.mustStatus(t, http.StatusUnauthorized).problem(t); p.Code != "invalid_token" {
		t.Fatalf("code %q, want invalid_token", p.Code)
	}
	api.do("GET", "/ws?token="+long, "", nil, "Connection", "Upgrade", "Upgrade", "websocket",
		"Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==").mustStatus(t, http.StatusUnauthorized)
	api.do("GET", "/ws", long, nil, "Connection", "Upgrade", "Upgrade", "websocket",
		"Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==").mustStatus(t, http.StatusUnauthorized)
	api.do("GET", "/ws", "", nil, "Connection", "Upgrade", "Upgrade", "websocket", "Cookie", sessionCookie+"="+long,
		"Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==").mustStatus(t, http.StatusUnauthorized)
	// A real token still works.
	api.do("GET", "/api/v1/pochas/"+itoa(pid), owner, nil).mustStatus(t, http.StatusOK)
}

// The accounts service's refusals, as the problem table answers them.
func TestAccountProblems(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
		retry  int
		field  string
	}{
		{accounts.ErrInvalidCredentials, 401, "invalid_credentials", 0, ""},
		{accounts.ErrWrongPassword, 403, "invalid_credentials", 0, ""},
		{&check.Explained{Err: accounts.ErrTooManyAttempts, Detail: "wait", RetryAfter: 90 * time.Second}, 429, "too_many_attempts", 90, ""},
		{&check.Explained{Err: accounts.ErrLoginTaken, Fields: []FieldError{{Field: "login_id", Message: "already taken"}}}, 409, "login_id_taken", 0, "login_id"},
		{accounts.ErrBusy, 503, "busy", 0, ""},
		{fmt.Errorf("%w (overlong)", accounts.ErrInvalidToken), 401, "invalid_token", 0, ""},
	}
	for _, tc := range tests {
		ae, ok := problemFor(tc.err)
		if !ok || ae.status != tc.status || ae.code != tc.code || ae.retryAfter != tc.retry {
			t.Errorf("%v: %+v, want %d %s retry %d", tc.err, ae, tc.status, tc.code, tc.retry)
		}
		if tc.field != "" && (len(ae.fields) != 1 || ae.fields[0].Field != tc.field) {
			t.Errorf("%v: fields %+v, want %s", tc.err, ae.fields, tc.field)
		}
		if we := wsError(tc.err); !errors.As(we, new(*codedError)) {
			t.Errorf("%v: WebSocket error %v has no code", tc.err, we)
		}
	}
}

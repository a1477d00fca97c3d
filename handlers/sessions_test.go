package handlers

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/illuwa/illuwa/store/storetest"
)

// dialHello opens the API's WebSocket with the token and reads its hello.
func (a *testAPI) dialHello(token string) *websocket.Conn {
	a.t.Helper()
	url := "ws" + strings.TrimPrefix(a.http.URL, "http") + "/ws"
	if token != "" {
		url += "?token=" + token
	}
	ws, res, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		a.t.Fatalf("dial /ws: %v (status %d)", err, status)
	}
	a.t.Cleanup(func() { _ = ws.Close() })
	var hello map[string]any
	if err := ws.ReadJSON(&hello); err != nil || hello["type"] != "hello" {
		a.t.Fatalf("first message %v (%v), want hello", hello, err)
	}
	return ws
}

// expectClosed reads until the server closes the connection and checks the code.
func expectClosed(t *testing.T, ws *websocket.Conn, code int) {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code {
			t.Fatalf("connection ended with %v, want close code %d", err, code)
		}
		return
	}
}

// A password change ends every other login of the user, HTTP and WebSocket;
// logout?all=true ends them all; e-mail and phone changes need the password.
func TestSessionsEndOnPasswordChangeAndLogoutAll(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			api := newTestAPI(t, kind, withEverything(t))
			mine, _ := api.signupLogin("hacked", "customer")
			var thief struct{ Token string }
			api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "hacked", "password": "correct horse"}).
				mustStatus(t, http.StatusOK).decode(t, &thief)
			thiefWS := api.dialHello(thief.Token)
			myWS := api.dialHello(mine)

			p := api.do("PATCH", "/api/v1/me", mine, map[string]any{"email": "thief@example.com"}).
				mustStatus(t, http.StatusUnprocessableEntity).problem(t)
			if len(p.Errors) != 1 || p.Errors[0].Field != "current_password" {
				t.Fatalf("e-mail change without the password: %+v", p)
			}
			api.do("PATCH", "/api/v1/me", mine, map[string]any{"password": "a brand new secret", "current_password": "correct horse"}).
				mustStatus(t, http.StatusOK)
			api.do("GET", "/api/v1/me", thief.Token, nil).mustStatus(t, http.StatusUnauthorized)
			expectClosed(t, thiefWS, websocket.ClosePolicyViolation)
			api.do("GET", "/api/v1/me", mine, nil).mustStatus(t, http.StatusOK)

			api.do("POST", "/api/v1/auth/logout?all=true", mine, nil).mustStatus(t, http.StatusNoContent)
			api.do("GET", "/api/v1/me", mine, nil).mustStatus(t, http.StatusUnauthorized)
			expectClosed(t, myWS, websocket.ClosePolicyViolation)
			p = api.do("POST", "/api/v1/auth/logout?all=maybe", mine, nil).problem(t)
			if p.Status != http.StatusUnauthorized {
				t.Fatalf("logout after logging out everywhere: %+v", p)
			}
		})
	}
}

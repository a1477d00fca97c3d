package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/handlers/reviews"
)

// Names other users see may not carry control characters or bidirectional
// overrides (a nickname that displays reversed, a stall name that moves the
// terminal cursor); descriptions may hold line breaks but nothing else of the
// kind. A refused request changes nothing.
func TestNamesRefuseControlAndBidiCharacters(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		owner, _ := api.signupLogin("owner-a", "owner")
		pid, item := api.createPocha(owner, "종로 포차", 5000)
		path := "/api/v1/pochas/" + itoa(pid)
		itemPath := path + "/menu/" + itoa(item)
		signup := func(nick string) map[string]any {
			return map[string]any{"login_id": "newbie", "password": "correct horse", "nickname": nick,
				"email": "newbie@example.com", "phone": "010-1234-5678", "role": "customer"}
		}
		tests := []struct {
			name   string
			method string
			path   string
			body   map[string]any
			status int
			field  string
		}{
			{"bad_signup_rlo", "POST", "/api/v1/auth/signup", signup("admin\u202Egnp.exe"), 422, "nickname"},
			{"bad_signup_nul", "POST", "/api/v1/auth/signup", signup("a\x00b"), 422, "nickname"},
			{"bad_me_escape", "PATCH", "/api/v1/me", map[string]any{"nickname": "\x1b[2Jhi"}, 422, "nickname"},
			{"bad_me_newline", "PATCH", "/api/v1/me", map[string]any{"nickname": "two\nlines"}, 422, "nickname"},
			{"bad_pocha_name_newline", "PATCH", path, map[string]any{"name": "a\nb"}, 422, "name"},
			{"bad_pocha_name_isolate", "PATCH", path, map[string]any{"name": "\u2067포차"}, 422, "name"},
			{"bad_pocha_name_c1", "POST", "/api/v1/pochas", map[string]any{"name": "a\u0085b"}, 422, "name"},
			{"bad_pocha_description_bell", "PATCH", path, map[string]any{"description": "ding\x07"}, 422, "description"},
			{"bad_pocha_notice_override", "PATCH", path, map[string]any{"notice": "\u202D오늘 휴무"}, 422, "notice"},
			{"bad_menu_name_tab", "POST", path + "/menu", map[string]any{"name": "a\tb", "price": 1}, 422, "name"},
			{"bad_menu_description_del", "PATCH", itemPath, map[string]any{"description": "x\x7f"}, 422, "description"},
			{"ok_description_lines", "PATCH", path, map[string]any{"description": "첫 줄\n둘째 줄\r\n\t셋째"}, 200, ""},
			{"ok_name_emoji_zwj", "PATCH", itemPath, map[string]any{"name": "어묵 👨‍🍳"}, 200, ""},
			{"ok_nickname_trimmed", "PATCH", "/api/v1/me", map[string]any{"nickname": " 민지\n"}, 200, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := api.do(tc.method, tc.path, owner, tc.body).mustStatus(t, tc.status)
				if tc.field == "" {
					return
				}
				p := res.problem(t)
				if p.Code != "validation_failed" || len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
					t.Fatalf("problem %+v, want validation_failed on %s", p, tc.field)
				}
			})
		}
		var p pochas.View
		api.do("GET", path, "", nil).mustStatus(t, 200).decode(t, &p)
		if p.Name != "종로 포차" || p.Notice != "" {
			t.Fatalf("stall after refused changes: %+v", p)
		}
		var me accounts.View
		api.do("GET", "/api/v1/me", owner, nil).mustStatus(t, 200).decode(t, &me)
		if me.Nickname != "민지" {
			t.Fatalf("nickname %q, want the trimmed 민지", me.Nickname)
		}
		var menu struct{ Items []pochas.MenuItemView }
		api.do("GET", path+"/menu", "", nil).mustStatus(t, 200).decode(t, &menu)
		if len(menu.Items) != 1 || menu.Items[0].Description != "" {
			t.Fatalf("menu after refused changes: %+v", menu.Items)
		}
		api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "newbie", "password": "correct horse"}).
			mustStatus(t, http.StatusUnauthorized)
	})
}

// A nickname is measured as it is stored, trimmed: 30 characters with spaces
// around them are accepted (and stored without the spaces), 31 are not.
func TestNicknameLengthCountsTrimmed(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		token, _ := api.signupLogin("minji", "customer")
		nick30 := strings.Repeat("민", 30)
		var me accounts.View
		api.do("PATCH", "/api/v1/me", token, map[string]any{"nickname": "  " + nick30 + " "}).mustStatus(t, http.StatusOK).decode(t, &me)
		if me.Nickname != nick30 {
			t.Fatalf("nickname %q, want %q", me.Nickname, nick30)
		}
		api.do("PATCH", "/api/v1/me", token, map[string]any{"nickname": nick30 + "지"}).mustStatus(t, http.StatusUnprocessableEntity)
	})
}

func TestReviewTextRefusesControlCharacters(t *testing.T) {
	t.Parallel()
	var cs check.Fields
	cs.Text("content", "맛있어요\u202e!", true, reviews.MaxText)
	cs.Text("content", "줄바꿈은\n괜찮아요", true, reviews.MaxText)
	if len(cs) != 1 || cs[0].Message != check.UnsafeMsg {
		t.Fatalf("checks %+v: want only the bidi override refused", cs)
	}
}

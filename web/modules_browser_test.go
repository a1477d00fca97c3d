package web

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/illuwa/illuwa/web/browsertest"
)

// TestBrowserModules runs the pure functions of the app's modules in
// Chromium: business hours read in Korean time (past midnight, all day,
// none), and API field errors turned into Korean sentences.
func TestBrowserModules(t *testing.T) {
	b := browsertest.Start(t)
	srv := mustServeApp(t, newFakeRealtime(t))
	ctx, pageErrors := browsertest.OpenTab(t, b)
	do(t, ctx, "open a page of the app", chromedp.Navigate(srv.URL+"/offline.html"))

	tests := []struct{ name, expr, want string }{
		// 2026-11-27 is a Friday; times are given in UTC (Korea is UTC+9).
		{"fri_before_open", `h.openByHours(fri, new Date("2026-11-27T08:59:00Z"))`, "false"},
		{"fri_at_open", `h.openByHours(fri, new Date("2026-11-27T09:00:00Z"))`, "true"},
		{"sat_after_midnight", `h.openByHours(fri, new Date("2026-11-27T16:30:00Z"))`, "true"},
		{"sat_at_close", `h.openByHours(fri, new Date("2026-11-27T17:00:00Z"))`, "false"},
		{"no_hours", `h.openByHours({}, new Date())`, "null"},
		{"all_day", `h.openByHours({fri: [{open: "00:00", close: "24:00"}]}, new Date("2026-11-27T14:59:00Z"))`, "true"},
		{"sun_into_mon", `h.openByHours({sun: [{open: "22:00", close: "03:00"}]}, new Date("2026-11-29T17:30:00Z"))`, "true"},
		{"live_off_hours", `h.openState(true, fri, new Date("2026-11-27T03:00:00Z"))`, `"live_off_hours"`},
		{"hours_not_live", `h.openState(false, fri, new Date("2026-11-27T10:00:00Z"))`, `"hours_not_live"`},
		{"open_without_hours", `h.openState(true, {}, new Date())`, `"open"`},
		{"phone", `i.fieldMessage("phone", "must be a phone number of 9 to 15 digits, like 010-1234-5678")`, `"휴대폰: 010-1234-5678 같은 9~15자리 번호를 입력해 주세요"`},
		{"hours_day", `i.fieldMessage("hours.fri[0]", "open and close must differ")`, `"영업시간 (금): 여는 시간과 닫는 시간이 같을 수 없습니다"`},
		{"quantity_range", `i.fieldMessage("items[0].quantity", "must be 1 to 50")`, `"수량: 1~50 사이로 입력해 주세요"`},
		{"name_length", `i.fieldMessage("name", "must be 1 to 60 characters")`, `"이름: 1~60자로 입력해 주세요"`},
		{"sold_out", `i.fieldMessage("items[1].menu_item_id", "sold out")`, `"메뉴: 품절된 메뉴입니다"`},
		{"unknown", `i.fieldMessage("mystery", "something new")`, `"mystery: 올바르지 않은 값입니다"`},
		{"problem_code", `i.problemMessage({status: 409, code: "pocha_closed", message: "the stall is closed"})`, `"지금은 주문을 받지 않습니다"`},
		{"problem_network", `i.problemMessage({status: 0, code: ""})`, `"서버에 연결할 수 없습니다. 인터넷 연결을 확인하세요."`},
		{"won", `i.won(1234567)`, `"1,234,567원"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Promise.all([import("/hours.js"), import("/i18n.js")]).then(([h, i]) => {
				const fri = {fri: [{open: "18:00", close: "02:00"}]};
				return JSON.stringify(`+tt.expr+`);
			})`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
			}
		})
	}
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}

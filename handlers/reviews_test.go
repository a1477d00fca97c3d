package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/reviews"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// notificationPush is one push a test saw.
type notificationPush struct {
	User uint64
	Type string
	Body any
}

// notificationPusher is a Pusher that remembers every push in order.
type notificationPusher struct {
	mu   sync.Mutex
	msgs []notificationPush
}

func (p *notificationPusher) PublishUser(_ context.Context, user uint64, typ string, body any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, notificationPush{User: user, Type: typ, Body: body})
	return nil
}

// notifications returns the `notification` pushes so far.
func (p *notificationPusher) notifications() []notificationPush {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []notificationPush
	for _, m := range p.msgs {
		if m.Type == "notification" {
			out = append(out, m)
		}
	}
	return out
}

// reviewAPI is a test API with two owners (each with a stall), two customers,
// an admin and a recording pusher.
type reviewAPI struct {
	*testAPI
	push                 *notificationPusher
	owner, rival         string
	ownerU, rivalU       accounts.View
	alice, bob, admin    string
	aliceU, bobU         accounts.View
	pocha, rivalPocha    uint64
	pochaPath, rivalPath string
}

func newReviewAPI(t *testing.T, kind store.Dialect, opts ...func(*Deps)) *reviewAPI {
	t.Helper()
	push := &notificationPusher{}
	api := newTestAPI(t, kind, append([]func(*Deps){func(d *Deps) { d.Push = push }}, opts...)...)
	r := &reviewAPI{testAPI: api, push: push}
	r.owner, r.ownerU = api.signupLogin("rv_owner", store.RoleOwner)
	r.rival, r.rivalU = api.signupLogin("rv_rival", store.RoleOwner)
	r.alice, r.aliceU = api.signupLogin("rv_alice", store.RoleCustomer)
	r.bob, r.bobU = api.signupLogin("rv_bob", store.RoleCustomer)
	r.pocha, _ = api.createPocha(r.owner, "리뷰 포차", 8000)
	r.rivalPocha, _ = api.createPocha(r.rival, "옆집 포차", 8000)
	r.pochaPath, r.rivalPath = "/api/v1/pochas/"+itoa(r.pocha), "/api/v1/pochas/"+itoa(r.rivalPocha)
	_, err := api.srv.account.Create(context.Background(), accounts.NewUser{LoginID: "rv_admin", Password: "correct horse",
		Nickname: "관리자", Email: "admin@example.com", Phone: "010-0000-0000", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	var login accounts.Session
	api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "rv_admin", "password": "correct horse"}).
		mustStatus(t, http.StatusOK).decode(t, &login)
	r.admin = login.Token
	return r
}

// orderAt stores an order of the customer at the stall and moves it to the
// status (through the real transitions).
func (r *reviewAPI) orderAt(customer accounts.View, pochaID uint64, status string) store.Order {
	r.t.Helper()
	ctx := context.Background()
	p, err := r.store.PochaByID(ctx, pochaID)
	if err != nil {
		r.t.Fatal(err)
	}
	now := time.Now().UTC()
	o := store.Order{CustomerID: customer.ID, PochaID: pochaID, Total: 8000, CreatedAt: now, UpdatedAt: now,
		Items: []store.OrderItem{{MenuItemID: 1, Name: "떡볶이", UnitPrice: 8000, Quantity: 1, LineTotal: 8000}}}
	if err := r.store.CreateOrder(ctx, &o); err != nil {
		r.t.Fatal(err)
	}
	path := []store.Transition{
		{From: store.OrderPendingPayment, To: store.OrderPaid, By: store.ActorSystem},
		{From: store.OrderPaid, To: store.OrderAccepted, By: store.ActorOwner, ActorID: p.OwnerID, ReadyInMinutes: 10},
		{From: store.OrderAccepted, To: store.OrderReady, By: store.ActorOwner, ActorID: p.OwnerID},
		{From: store.OrderReady, To: store.OrderCompleted, By: store.ActorOwner, ActorID: p.OwnerID},
	}
	for _, tr := range path {
		if o.Status == status {
			break
		}
		tr.OrderID = o.ID
		if o, err = r.store.TransitionOrder(ctx, tr); err != nil {
			r.t.Fatal(err)
		}
	}
	return o
}

// review writes a review of a new completed order as the customer.
func (r *reviewAPI) review(token string, customer accounts.View, stars int, public bool) reviews.View {
	r.t.Helper()
	o := r.orderAt(customer, r.pocha, store.OrderCompleted)
	var out reviews.View
	r.do("POST", r.pochaPath+"/reviews", token, map[string]any{"order_id": o.ID, "stars": stars, "content": "맛있어요", "public": public}).
		mustStatus(r.t, http.StatusCreated).decode(r.t, &out)
	return out
}

// list reads one page of the stall's reviews as the token's user.
func (r *reviewAPI) list(token, query string) (items []reviews.View, next *string) {
	r.t.Helper()
	var page struct {
		Items      []reviews.View `json:"items"`
		NextCursor *string        `json:"next_cursor"`
	}
	r.do("GET", r.pochaPath+"/reviews"+query, token, nil).mustStatus(r.t, http.StatusOK).decode(r.t, &page)
	return page.Items, page.NextCursor
}

func forEachReviewBackend(t *testing.T, fn func(t *testing.T, r *reviewAPI)) {
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			fn(t, newReviewAPI(t, kind))
		})
	}
}

func TestCreateReview(t *testing.T) {
	t.Parallel()
	forEachReviewBackend(t, func(t *testing.T, r *reviewAPI) {
		done := r.orderAt(r.aliceU, r.pocha, store.OrderCompleted)
		ready := r.orderAt(r.aliceU, r.pocha, store.OrderReady)
		bobs := r.orderAt(r.bobU, r.pocha, store.OrderCompleted)
		elsewhere := r.orderAt(r.aliceU, r.rivalPocha, store.OrderCompleted)
		fresh := r.orderAt(r.aliceU, r.pocha, store.OrderCompleted)
		body := func(order uint64, stars int, content string) map[string]any {
			return map[string]any{"order_id": order, "stars": stars, "content": content, "public": true}
		}
		tests := []struct {
			name   string
			path   string
			token  string
			body   any
			status int
			code   string
			field  string
		}{
			{name: "ok", body: body(done.ID, 5, "  떡볶이가 맛있어요  "), status: 201},
			{name: "already_reviewed", body: body(done.ID, 4, "또 씀"), status: 409, code: "already_reviewed"},
			{name: "not_found", path: "/api/v1/pochas/987654/reviews", body: body(fresh.ID, 5, "x"), status: 404, code: "not_found"},
			{name: "order_not_completed", body: body(ready.ID, 5, "아직"), status: 409, code: "order_not_completed"},
			{name: "another_customers_order", body: body(bobs.ID, 1, "남의 주문"), status: 422, code: "validation_failed", field: "order_id"},
			{name: "unknown_order", body: body(999999, 1, "없는 주문"), status: 422, code: "validation_failed", field: "order_id"},
			{name: "order_of_another_stall", body: body(elsewhere.ID, 3, "옆집"), status: 422, code: "validation_failed", field: "order_id"},
			{name: "stars_0", body: body(fresh.ID, 0, "별 없음"), status: 422, code: "validation_failed", field: "stars"},
			{name: "stars_6", body: body(fresh.ID, 6, "별 많음"), status: 422, code: "validation_failed", field: "stars"},
			{name: "stars_fraction", body: `{"order_id":` + itoa(fresh.ID) + `,"stars":4.5,"content":"x","public":true}`, status: 400, code: "malformed_json"},
			{name: "content_too_long", body: body(fresh.ID, 3, strings.Repeat("가", 1001)), status: 422, code: "validation_failed", field: "content"},
			{name: "content_blank", body: body(fresh.ID, 3, "   "), status: 422, code: "validation_failed", field: "content"},
			{name: "public_missing", body: map[string]any{"order_id": fresh.ID, "stars": 3, "content": "x"}, status: 422, code: "validation_failed", field: "public"},
			{name: "malformed_json", body: `{"order_id": 1,`, status: 400, code: "malformed_json"},
			{name: "unknown_field_author", body: map[string]any{"order_id": fresh.ID, "stars": 5, "content": "x", "public": true, "author_id": r.bobU.ID},
				status: 400, code: "unknown_field", field: "author_id"},
			{name: "unknown_field_pocha", body: map[string]any{"order_id": fresh.ID, "stars": 5, "content": "x", "public": true, "pocha_id": r.rivalPocha},
				status: 400, code: "unknown_field", field: "pocha_id"},
			{name: "anonymous", token: "-", body: body(fresh.ID, 5, "x"), status: 401, code: "unauthorized"},
			{name: "ok_at_the_limit", body: body(fresh.ID, 1, strings.Repeat("가", 1000)), status: 201},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				path, token := r.pochaPath+"/reviews", r.alice
				if tc.path != "" {
					path = tc.path
				}
				if tc.token == "-" {
					token = ""
				}
				res := r.do("POST", path, token, tc.body).mustStatus(t, tc.status)
				if tc.status == 201 {
					var rv reviews.View
					res.decode(t, &rv)
					if rv.ID == 0 || rv.PochaID != r.pocha || rv.AuthorNickname != "rv_alice" || !rv.Public || !rv.Mine || rv.Reply != nil {
						t.Fatalf("created %+v", rv)
					}
					if tc.name == "ok" && (rv.Stars != 5 || rv.Content != "떡볶이가 맛있어요") {
						t.Fatalf("content not kept (trimmed): %+v", rv)
					}
					return
				}
				pr := res.problem(t)
				if pr.Code != tc.code {
					t.Fatalf("problem %+v, want code %s", pr, tc.code)
				}
				if tc.field != "" && (len(pr.Errors) == 0 || pr.Errors[0].Field != tc.field) {
					t.Fatalf("problem fields %+v, want %s", pr.Errors, tc.field)
				}
			})
		}
		// Nothing but the two good requests made a review.
		if items, _ := r.list(r.owner, ""); len(items) != 2 {
			t.Fatalf("%d reviews stored, want 2: %+v", len(items), items)
		}
	})
}

func TestReviewVisibility(t *testing.T) {
	t.Parallel()
	forEachReviewBackend(t, func(t *testing.T, r *reviewAPI) {
		r.do("PATCH", "/api/v1/me", r.bob, map[string]any{"nickname": "밥"}).mustStatus(t, http.StatusOK)
		pub := r.review(r.alice, r.aliceU, 4, true)
		priv := r.review(r.bob, r.bobU, 2, false)
		tests := []struct {
			name  string
			token string
			want  []uint64
		}{
			{"anonymous_sees_public_only", "", []uint64{pub.ID}},
			{"other_customer_sees_public_only", r.alice, []uint64{pub.ID}},
			{"other_owner_sees_public_only", r.rival, []uint64{pub.ID}},
			{"author_sees_own_private", r.bob, []uint64{priv.ID, pub.ID}},
			{"stall_owner_sees_private", r.owner, []uint64{priv.ID, pub.ID}},
			{"admin_sees_private", r.admin, []uint64{priv.ID, pub.ID}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				items, next := r.list(tc.token, "")
				if next != nil {
					t.Fatalf("next_cursor %q on the only page", *next)
				}
				var got []uint64
				for _, it := range items {
					got = append(got, it.ID)
				}
				if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) || (len(got) > 1 && got[1] != tc.want[1]) {
					t.Fatalf("ids %v, want %v", got, tc.want)
				}
			})
		}
		// The author is shown by nickname, never by login id; "mine" marks the caller's own.
		res := r.do("GET", r.pochaPath+"/reviews", r.owner, nil).mustStatus(t, http.StatusOK)
		if strings.Contains(string(res.Body), "rv_bob") || !strings.Contains(string(res.Body), `"author_nickname":"밥"`) {
			t.Fatalf("author shown wrongly: %s", res.Body)
		}
		items, _ := r.list(r.bob, "")
		if !items[0].Mine || items[0].Public || items[1].Mine {
			t.Fatalf("mine/public flags: %+v", items)
		}
		r.do("GET", "/api/v1/pochas/987654/reviews", "", nil).mustStatus(t, http.StatusNotFound)
	})
}

func TestReviewPaging(t *testing.T) {
	t.Parallel()
	forEachReviewBackend(t, func(t *testing.T, r *reviewAPI) {
		want := map[uint64]bool{}
		for i := range 7 {
			rv := r.review(r.alice, r.aliceU, 1+i%5, i != 3) // one private: the owner pages it too
			want[rv.ID] = true
		}
		seen := map[uint64]bool{}
		var last uint64
		query, pages := "?limit=3", 0
		for {
			items, next := r.list(r.owner, query)
			pages++
			for _, it := range items {
				if seen[it.ID] {
					t.Fatalf("review %d on two pages", it.ID)
				}
				if last != 0 && it.ID >= last {
					t.Fatalf("not newest first: %d after %d", it.ID, last)
				}
				seen[it.ID], last = true, it.ID
			}
			if next == nil {
				if len(items) != 1 {
					t.Fatalf("last page has %d items, want 1", len(items))
				}
				break
			}
			if len(items) != 3 || pages > 3 {
				t.Fatalf("page %d has %d items", pages, len(items))
			}
			query = "?limit=3&cursor=" + *next
		}
		if pages != 3 || len(seen) != len(want) {
			t.Fatalf("%d pages, %d reviews seen of %d", pages, len(seen), len(want))
		}
		for id := range want {
			if !seen[id] {
				t.Fatalf("review %d never listed", id)
			}
		}
		// Exactly full last page: next_cursor is null.
		if _, next := r.list(r.owner, "?limit=7"); next != nil {
			t.Fatalf("next_cursor %q after the last review", *next)
		}
		// The default page holds them all.
		if items, _ := r.list("", ""); len(items) != 6 {
			t.Fatalf("anonymous default page: %d items, want the 6 public", len(items))
		}
		for _, q := range []string{"?limit=0", "?limit=51", "?limit=x", "?cursor=123", "?cursor=!!"} {
			pr := r.do("GET", r.pochaPath+"/reviews"+q, "", nil).mustStatus(t, http.StatusUnprocessableEntity).problem(t)
			if pr.Code != "validation_failed" {
				t.Fatalf("%s: %+v", q, pr)
			}
		}
	})
}

func TestReviewStatsAPI(t *testing.T) {
	t.Parallel()
	forEachReviewBackend(t, func(t *testing.T, r *reviewAPI) {
		var empty reviews.StatsView
		r.do("GET", r.pochaPath+"/reviews/stats", "", nil).mustStatus(t, http.StatusOK).decode(t, &empty)
		if empty.Count != 0 || empty.Average != nil || empty.PerStar["5"] != 0 || len(empty.PerStar) != 5 {
			t.Fatalf("empty stats %+v", empty)
		}
		for _, s := range []int{5, 5, 4, 1} {
			r.review(r.alice, r.aliceU, s, true)
		}
		r.review(r.bob, r.bobU, 1, false) // private: never counted, not even for the owner
		for _, token := range []string{"", r.owner} {
			var st reviews.StatsView
			r.do("GET", r.pochaPath+"/reviews/stats", token, nil).mustStatus(t, http.StatusOK).decode(t, &st)
			want := map[string]int64{"1": 1, "2": 0, "3": 0, "4": 1, "5": 2}
			var sum int64
			for k, n := range want {
				if st.PerStar[k] != n {
					t.Fatalf("per_star %v, want %v", st.PerStar, want)
				}
				sum += st.PerStar[k]
			}
			if st.Count != 4 || sum != st.Count || st.Average == nil || *st.Average != 3.8 || st.RecentCount != 4 ||
				st.RecentDays != 30 || st.PochaID != r.pocha {
				t.Fatalf("stats %+v (average %v)", st, st.Average)
			}
		}
		r.do("GET", "/api/v1/pochas/987654/reviews/stats", "", nil).mustStatus(t, http.StatusNotFound)
	})
}

func TestReviewReply(t *testing.T) {
	t.Parallel()
	forEachReviewBackend(t, func(t *testing.T, r *reviewAPI) {
		pub := r.review(r.alice, r.aliceU, 4, true)
		priv := r.review(r.bob, r.bobU, 2, false)
		reply := func(id uint64) string { return "/api/v1/reviews/" + itoa(id) + "/reply" }
		tests := []struct {
			name   string
			method string
			path   string
			token  string
			body   any
			status int
			code   string
		}{
			{"rival_owner_public_review_forbidden", "PUT", reply(pub.ID), r.rival, map[string]any{"content": "x"}, 403, "not_your_pocha"},
			{"rival_owner_private_review_not_found", "PUT", reply(priv.ID), r.rival, map[string]any{"content": "x"}, 404, "not_found"},
			{"customer_forbidden", "PUT", reply(pub.ID), r.alice, map[string]any{"content": "x"}, 403, "forbidden"},
			{"unknown_review", "PUT", reply(999999), r.owner, map[string]any{"content": "x"}, 404, "not_found"},
			{"content_too_long", "PUT", reply(pub.ID), r.owner, map[string]any{"content": strings.Repeat("a", 1001)}, 422, "validation_failed"},
			{"content_blank", "PUT", reply(pub.ID), r.owner, map[string]any{"content": " "}, 422, "validation_failed"},
			{"unknown_field", "PUT", reply(pub.ID), r.owner, map[string]any{"content": "x", "created_at": "2026-01-01T00:00:00Z"}, 400, "unknown_field"},
			{"ok_by_owner", "PUT", reply(pub.ID), r.owner, map[string]any{"content": "감사합니다"}, 200, ""},
			{"replace_by_owner", "PUT", reply(pub.ID), r.owner, map[string]any{"content": "또 오세요"}, 200, ""},
			{"ok_private_by_owner", "PUT", reply(priv.ID), r.owner, map[string]any{"content": "죄송합니다"}, 200, ""},
			{"rival_removes_forbidden", "DELETE", reply(pub.ID), r.rival, nil, 403, "not_your_pocha"},
			{"rival_removes_private_not_found", "DELETE", reply(priv.ID), r.rival, nil, 404, "not_found"},
			{"owner_removes", "DELETE", reply(priv.ID), r.owner, nil, 204, ""},
			{"owner_removes_again", "DELETE", reply(priv.ID), r.owner, nil, 204, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := r.do(tc.method, tc.path, tc.token, tc.body).mustStatus(t, tc.status)
				if tc.code != "" {
					if pr := res.problem(t); pr.Code != tc.code {
						t.Fatalf("problem %+v, want %s", pr, tc.code)
					}
				}
			})
		}
		items, _ := r.list(r.owner, "")
		if items[0].ID != priv.ID || items[0].Reply != nil {
			t.Fatalf("removed reply still shown: %+v", items[0])
		}
		if items[1].Reply == nil || items[1].Reply.Content != "또 오세요" || items[1].Reply.CreatedAt.IsZero() {
			t.Fatalf("reply not shown: %+v", items[1])
		}
		// Each author heard of the first reply only, by push and in the list.
		pushes := r.push.notifications()
		if len(pushes) != 2 || pushes[0].User != r.aliceU.ID || pushes[1].User != r.bobU.ID {
			t.Fatalf("pushes %+v", pushes)
		}
		n, ok := pushes[0].Body.(notify.View)
		if !ok || n.Kind != store.NotifyReviewReply || n.Data.ReviewID != pub.ID || n.Data.PochaID != r.pocha ||
			n.SenderID != r.ownerU.ID || n.Body != "감사합니다" || n.ID == 0 {
			t.Fatalf("push body %+v", pushes[0].Body)
		}
		stored, err := r.store.ListNotifications(context.Background(), r.aliceU.ID, 0, 10)
		if err != nil || len(stored) != 1 || stored[0].ID != n.ID {
			t.Fatalf("stored %+v %v", stored, err)
		}
	})
}

func TestDeleteReview(t *testing.T) {
	t.Parallel()
	forEachReviewBackend(t, func(t *testing.T, r *reviewAPI) {
		mine := r.review(r.alice, r.aliceU, 3, true)
		bobs := r.review(r.bob, r.bobU, 1, false)
		path := func(id uint64) string { return "/api/v1/reviews/" + itoa(id) }
		tests := []struct {
			name   string
			path   string
			token  string
			status int
		}{
			{"someone_else_not_found", path(mine.ID), r.bob, 404},
			{"stall_owner_not_found", path(mine.ID), r.owner, 404},
			{"anonymous", path(mine.ID), "", 401},
			{"malformed_id", "/api/v1/reviews/abc", r.alice, 404},
			{"author_deletes", path(mine.ID), r.alice, 204},
			{"again_not_found", path(mine.ID), r.alice, 404},
			{"admin_deletes", path(bobs.ID), r.admin, 204},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r.do("DELETE", tc.path, tc.token, nil).mustStatus(t, tc.status)
			})
		}
		if items, _ := r.list(r.owner, ""); len(items) != 0 {
			t.Fatalf("reviews left: %+v", items)
		}
		if rv, err := r.store.ReviewByID(context.Background(), mine.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted review still stored: %+v %v", rv, err)
		}
	})
}

// TestOpenAPIReviewExamplesValidate checks the reviews and notifications
// answers against docs/openapi.yaml, as TestOpenAPIExamplesValidate does for
// the rest of the API.
func TestOpenAPIReviewExamplesValidate(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			r := newReviewAPI(t, kind)
			sc := &schemaChecker{doc: loadOpenAPI(t)}
			call := func(method, docPath, path, token string, body any) response {
				t.Helper()
				res := r.do(method, path, token, body)
				sc.validateResponse(t, method, docPath, res)
				return res
			}
			type review = reviews.View
			const reviews, stats = "/api/v1/pochas/{id}/reviews", "/api/v1/pochas/{id}/reviews/stats"
			const one, reply = "/api/v1/reviews/{id}", "/api/v1/reviews/{id}/reply"
			done := r.orderAt(r.aliceU, r.pocha, store.OrderCompleted)
			ready := r.orderAt(r.aliceU, r.pocha, store.OrderReady)
			newReview := map[string]any{"order_id": done.ID, "stars": 5, "content": "최고", "public": false}
			call("GET", stats, r.pochaPath+"/reviews/stats", "", nil).mustStatus(t, http.StatusOK)
			var rv review
			call("POST", reviews, r.pochaPath+"/reviews", r.alice, newReview).mustStatus(t, http.StatusCreated).decode(t, &rv)
			call("POST", reviews, r.pochaPath+"/reviews", r.alice, newReview).mustStatus(t, http.StatusConflict)
			call("POST", reviews, r.pochaPath+"/reviews", r.alice, map[string]any{"order_id": ready.ID, "stars": 5, "content": "x", "public": true}).
				mustStatus(t, http.StatusConflict)
			call("POST", reviews, r.pochaPath+"/reviews", r.alice, map[string]any{"order_id": done.ID, "stars": 9, "content": "", "public": true}).
				mustStatus(t, http.StatusUnprocessableEntity)
			call("POST", reviews, r.pochaPath+"/reviews", r.alice, map[string]any{"author_id": 1}).mustStatus(t, http.StatusBadRequest)
			call("POST", reviews, r.pochaPath+"/reviews", "", newReview).mustStatus(t, http.StatusUnauthorized)
			call("POST", reviews, "/api/v1/pochas/999999/reviews", r.alice, newReview).mustStatus(t, http.StatusNotFound)
			r.review(r.bob, r.bobU, 3, true)
			call("GET", reviews, r.pochaPath+"/reviews?limit=1", r.owner, nil).mustStatus(t, http.StatusOK)
			call("GET", reviews, r.pochaPath+"/reviews", "", nil).mustStatus(t, http.StatusOK)
			call("GET", reviews, r.pochaPath+"/reviews?limit=99", "", nil).mustStatus(t, http.StatusUnprocessableEntity)
			call("GET", reviews, "/api/v1/pochas/999999/reviews", "", nil).mustStatus(t, http.StatusNotFound)
			call("GET", stats, r.pochaPath+"/reviews/stats", "", nil).mustStatus(t, http.StatusOK)
			call("GET", stats, "/api/v1/pochas/999999/reviews/stats", "", nil).mustStatus(t, http.StatusNotFound)

			rp := "/api/v1/reviews/" + itoa(rv.ID) + "/reply"
			call("PUT", reply, rp, r.owner, map[string]any{"content": "감사합니다"}).mustStatus(t, http.StatusOK)
			call("PUT", reply, rp, r.owner, map[string]any{"content": ""}).mustStatus(t, http.StatusUnprocessableEntity)
			call("PUT", reply, rp, r.owner, `{"content": 1}`).mustStatus(t, http.StatusBadRequest)
			call("PUT", reply, rp, r.rival, map[string]any{"content": "x"}).mustStatus(t, http.StatusNotFound)
			call("PUT", reply, rp, r.alice, map[string]any{"content": "x"}).mustStatus(t, http.StatusForbidden)
			call("PUT", reply, rp, "", map[string]any{"content": "x"}).mustStatus(t, http.StatusUnauthorized)
			call("GET", reviews, r.pochaPath+"/reviews", r.alice, nil).mustStatus(t, http.StatusOK)
			call("DELETE", reply, rp, r.owner, nil).mustStatus(t, http.StatusNoContent)
			call("DELETE", reply, "/api/v1/reviews/999999/reply", r.owner, nil).mustStatus(t, http.StatusNotFound)

			var page struct {
				Items []notify.View `json:"items"`
			}
			call("GET", "/api/v1/notifications", "/api/v1/notifications?limit=5", r.alice, nil).mustStatus(t, http.StatusOK).decode(t, &page)
			if len(page.Items) != 1 {
				t.Fatalf("notifications %+v", page.Items)
			}
			call("GET", "/api/v1/notifications", "/api/v1/notifications?cursor=x", r.alice, nil).mustStatus(t, http.StatusUnprocessableEntity)
			call("GET", "/api/v1/notifications", "/api/v1/notifications", "", nil).mustStatus(t, http.StatusUnauthorized)
			np := "/api/v1/notifications/" + itoa(page.Items[0].ID)
			call("POST", "/api/v1/notifications/{id}/read", np+"/read", r.alice, nil).mustStatus(t, http.StatusOK)
			call("POST", "/api/v1/notifications/{id}/read", np+"/read", r.bob, nil).mustStatus(t, http.StatusNotFound)
			call("DELETE", "/api/v1/notifications/{id}", np, r.bob, nil).mustStatus(t, http.StatusNotFound)
			call("DELETE", "/api/v1/notifications/{id}", np, r.alice, nil).mustStatus(t, http.StatusNoContent)

			call("DELETE", one, "/api/v1/reviews/"+itoa(rv.ID), r.bob, nil).mustStatus(t, http.StatusNotFound)
			call("DELETE", one, "/api/v1/reviews/"+itoa(rv.ID), r.alice, nil).mustStatus(t, http.StatusNoContent)
			call("DELETE", one, "/api/v1/reviews/"+itoa(rv.ID), "", nil).mustStatus(t, http.StatusUnauthorized)
		})
	}
}

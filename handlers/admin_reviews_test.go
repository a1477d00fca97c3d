package handlers

import "testing"

func TestHideReviewAPI(t *testing.T) {
	t.Parallel()
	forEachReviewBackend(t, func(t *testing.T, r *reviewAPI) {
		rude := r.review(r.alice, r.aliceU, 1, true)
		fine := r.review(r.bob, r.bobU, 5, true)
		path := "/api/v1/admin/reviews/" + itoa(rude.ID) + "/hide"
		for _, tc := range []struct {
			name, path, token string
			status            int
		}{
			{"anonymous", path, "", 401},
			{"the_stall_owner_forbidden", path, r.owner, 403},
			{"its_author_forbidden", path, r.alice, 403},
			{"unknown_not_found", "/api/v1/admin/reviews/999999/hide", r.admin, 404},
			{"admin_hides", path, r.admin, 204},
			{"again_is_fine", path, r.admin, 204},
		} {
			t.Run(tc.name, func(t *testing.T) { r.do("POST", tc.path, tc.token, nil).mustStatus(t, tc.status) })
		}
		for _, who := range []string{"", r.owner, r.alice} {
			if items, _ := r.list(who, ""); len(items) != 1 || items[0].ID != fine.ID {
				t.Fatalf("listed to a non-admin: %+v", items)
			}
		}
		if items, _ := r.list(r.admin, ""); len(items) != 2 {
			t.Fatalf("an admin sees %d reviews, want 2", len(items))
		}
	})
}

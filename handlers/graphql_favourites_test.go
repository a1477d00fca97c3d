package handlers

import "testing"

func TestGraphQLFavourites(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		owner, _ := api.signupLogin("gfav-owner", "owner")
		customer, _ := api.signupLogin("gfav-cust", "customer")
		first, _ := api.createPocha(owner, "을지로 포차", 5000)
		second, _ := api.createPocha(owner, "종로 포차", 6000)
		const fav = `mutation($id: ID!) { favourite(pochaId: $id) { id name } }`
		const unfav = `mutation($id: ID!) { unfavourite(pochaId: $id) }`
		const list = `{ favourites { id name } }`
		type stall struct{ ID, Name string }

		var got struct{ Favourite stall }
		for _, id := range []uint64{first, second, second} {
			api.gql(customer, fav, map[string]any{"id": itoa(id)}).ok(t, &got)
			if got.Favourite.ID != itoa(id) {
				t.Fatalf("favourite %d: %+v", id, got)
			}
		}
		if got.Favourite.Name != "종로 포차" {
			t.Fatalf("favourite name %q", got.Favourite.Name)
		}
		var ls struct{ Favourites []stall }
		api.gql(customer, list, nil).ok(t, &ls)
		if len(ls.Favourites) != 2 || ls.Favourites[0].ID != itoa(second) || ls.Favourites[1].ID != itoa(first) {
			t.Fatalf("favourites: %+v", ls)
		}
		for _, tc := range []struct {
			name, token, query, code string
			id                       uint64
		}{
			{"unknown_stall", customer, fav, "not_found", 999999},
			{"unknown_stall_unfavourite", customer, unfav, "not_found", 999999},
			{"anonymous_favourite", "", fav, "unauthorized", first},
			{"anonymous_unfavourite", "", unfav, "unauthorized", first},
			{"anonymous_list", "", list, "unauthorized", 0},
		} {
			if c := api.gql(tc.token, tc.query, map[string]any{"id": itoa(tc.id)}).code(t); c != tc.code {
				t.Fatalf("%s: code %q, want %q", tc.name, c, tc.code)
			}
		}
		var un struct{ Unfavourite bool }
		for range 2 {
			api.gql(customer, unfav, map[string]any{"id": itoa(second)}).ok(t, &un)
			if !un.Unfavourite {
				t.Fatal("unfavourite answered false")
			}
		}
		api.gql(customer, list, nil).ok(t, &ls)
		if len(ls.Favourites) != 1 || ls.Favourites[0].ID != itoa(first) {
			t.Fatalf("after unfavourite: %+v", ls)
		}
		api.gql(owner, list, nil).ok(t, &ls)
		if len(ls.Favourites) != 0 {
			t.Fatalf("owner's favourites: %+v", ls)
		}
	})
}

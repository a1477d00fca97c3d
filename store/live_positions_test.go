package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestLivePositions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		owner := store.User{LoginID: "lp_owner", PasswordHash: "x", Nickname: "o", Email: "o@example.com", Phone: "01012345678", Role: store.RoleOwner}
		if err := st.CreateUser(ctx, &owner); err != nil {
			t.Fatal(err)
		}
		var ps [3]store.Pocha
		for i := range ps {
			ps[i] = store.Pocha{OwnerID: owner.ID, Name: "포차"}
			if err := st.CreatePocha(ctx, &ps[i]); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range ps[:2] {
			if err := st.SetPochaOpen(ctx, p.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		at := time.Date(2026, 5, 1, 19, 0, 0, 123456000, time.UTC)
		if err := st.SaveLivePositions(ctx, []store.LivePosition{{PochaID: ps[0].ID, Lat: 37.5, Lng: 127, At: at, Seen: at}}); err != nil {
			t.Fatal(err)
		}
		// A second save replaces the first.
		later := at.Add(time.Minute)
		if err := st.SaveLivePositions(ctx, []store.LivePosition{{PochaID: ps[0].ID, Lat: 37.6, Lng: 127.1, At: later, Seen: later},
			{PochaID: ps[2].ID, Lat: 1, Lng: 2, At: at, Seen: at}}); err != nil {
			t.Fatal(err)
		}
		open, err := st.OpenPochasWithPositions(ctx)
		if err != nil || len(open) != 2 {
			t.Fatalf("open stalls %+v %v", open, err)
		}
		if p := open[0].Position; open[0].Pocha.ID != ps[0].ID || p == nil || p.Lat != 37.6 || !p.At.Equal(later) {
			t.Fatalf("first open stall %+v %+v", open[0].Pocha, p)
		}
		if open[1].Pocha.ID != ps[1].ID || open[1].Position != nil {
			t.Fatalf("second open stall has a position: %+v", open[1].Position)
		}
		if err := st.DeleteLivePosition(ctx, ps[0].ID); err != nil {
			t.Fatal(err)
		}
		if open, _ := st.OpenPochasWithPositions(ctx); open[0].Position != nil {
			t.Fatal("a deleted position came back")
		}
		if err := st.SaveLivePositions(ctx, []store.LivePosition{{PochaID: 999999, Lat: 1, Lng: 1, At: at, Seen: at}}); err == nil {
			t.Fatal("saved the position of a stall that does not exist")
		}
	})
}

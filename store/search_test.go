package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestSearchPochas(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s) // 리뷰 포차 (owner), 옆 포차 (other)
		mk := func(name, category string, open bool) store.Pocha {
			p := store.Pocha{OwnerID: f.owner.ID, Name: name, Category: category}
			if err := s.CreatePocha(ctx, &p); err != nil {
				t.Fatal(err)
			}
			if open {
				if err := s.SetPochaOpen(ctx, p.ID, true); err != nil {
					t.Fatal(err)
				}
			}
			return p
		}
		fish := mk("을지로 붕어빵", "bungeoppang", false)
		tteok := mk("신당 떡볶이 100%_진짜", "tteokbokki", true)
		hot := mk("호떡집", "hotteok", false)
		if err := s.CreateMenuItem(ctx, &store.MenuItem{PochaID: hot.ID, Name: "떡볶이 세트", Price: 4000}); err != nil {
			t.Fatal(err)
		}
		ids := func(q store.PochaQuery) []uint64 {
			t.Helper()
			ps, err := s.SearchPochas(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []uint64
			for _, p := range ps {
				out = append(out, p.ID)
			}
			return out
		}
		// By name or by a menu item's name; the open stall comes first.
		if got := ids(store.PochaQuery{Text: "떡볶이"}); !slices.Equal(got, []uint64{tteok.ID, hot.ID}) {
			t.Fatalf("떡볶이: %v (want %d, %d)", got, tteok.ID, hot.ID)
		}
		if got := ids(store.PochaQuery{Text: "붕어"}); !slices.Equal(got, []uint64{fish.ID}) {
			t.Fatalf("붕어: %v", got)
		}
		// LIKE's wildcards match only themselves.
		if got := ids(store.PochaQuery{Text: "100%_"}); !slices.Equal(got, []uint64{tteok.ID}) {
			t.Fatalf("100%%_: %v", got)
		}
		if got := ids(store.PochaQuery{Text: "%"}); !slices.Equal(got, []uint64{tteok.ID}) {
			t.Fatalf("%%: %v", got)
		}
		if got := ids(store.PochaQuery{Text: "_"}); !slices.Equal(got, []uint64{tteok.ID}) {
			t.Fatalf("_: %v", got)
		}
		if got := ids(store.PochaQuery{Text: "!"}); len(got) != 0 {
			t.Fatalf("!: %v", got)
		}
		if got := ids(store.PochaQuery{Text: "'; DROP TABLE pochas; --"}); len(got) != 0 {
			t.Fatalf("injection: %v", got)
		}
		// Category alone, and with text.
		if got := ids(store.PochaQuery{Category: "hotteok"}); !slices.Equal(got, []uint64{hot.ID}) {
			t.Fatalf("hotteok: %v", got)
		}
		if got := ids(store.PochaQuery{Text: "떡볶이", Category: "tteokbokki"}); !slices.Equal(got, []uint64{tteok.ID}) {
			t.Fatalf("떡볶이 in tteokbokki: %v", got)
		}
		if got := ids(store.PochaQuery{Text: "떡볶이", OpenOnly: true}); !slices.Equal(got, []uint64{tteok.ID}) {
			t.Fatalf("open only: %v", got)
		}
		if got := ids(store.PochaQuery{Text: "포차", Limit: 1}); len(got) != 1 {
			t.Fatalf("limit: %v", got)
		}
		// The category survives a patch that leaves it alone, and a patch sets it.
		c := "sundae"
		p, err := s.UpdatePocha(ctx, fish.ID, f.owner.ID, store.PochaPatch{Category: &c})
		if err != nil || p.Category != "sundae" {
			t.Fatalf("patch category: %+v %v", p, err)
		}
		name := "을지로 순대"
		if p, err = s.UpdatePocha(ctx, fish.ID, f.owner.ID, store.PochaPatch{Name: &name}); err != nil || p.Category != "sundae" {
			t.Fatalf("patch name: %+v %v", p, err)
		}
	})
}

func TestReviewSummaries(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s)
		f.mustReview(t, s, f.alice, 5, true)
		f.mustReview(t, s, f.bob, 2, true)
		f.mustReview(t, s, f.alice, 1, false) // private: not counted
		hidden := f.mustReview(t, s, f.bob, 1, true)
		if err := s.HideReview(ctx, hidden.ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.ReviewSummaries(ctx, []uint64{f.pocha.ID, f.otherPocha.ID, f.pocha.ID, 999999})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[f.pocha.ID] != (store.ReviewSummary{Count: 2, Sum: 7}) {
			t.Fatalf("summaries: %+v", got)
		}
		if got, err := s.ReviewSummaries(ctx, nil); err != nil || len(got) != 0 {
			t.Fatalf("none: %+v %v", got, err)
		}
	})
}

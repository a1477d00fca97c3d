package store_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestBatchReads(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s)
		empty := store.Pocha{OwnerID: f.other.ID, Name: "빈 포차"}
		if err := s.CreatePocha(ctx, &empty); err != nil {
			t.Fatal(err)
		}
		for i, it := range []store.MenuItem{
			{PochaID: f.pocha.ID, Name: "떡볶이", Price: 5000, Position: 2},
			{PochaID: f.pocha.ID, Name: "어묵", Price: 3000, Position: 1},
			{PochaID: f.otherPocha.ID, Name: "순대", Price: 4000},
		} {
			if err := s.CreateMenuItem(ctx, &it); err != nil {
				t.Fatalf("menu item %d: %v", i, err)
			}
		}
		f.mustReview(t, s, f.alice, 5, true)
		f.mustReview(t, s, f.bob, 3, true)
		f.mustReview(t, s, f.alice, 1, false) // private: never counted

		var queries atomic.Int64
		ts := s.Traced(func(string) { queries.Add(1) })
		ids := []uint64{f.pocha.ID, f.otherPocha.ID, empty.ID, f.pocha.ID, 999999}

		ps, err := ts.PochasByIDs(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 3 || ps[f.pocha.ID].Name != "리뷰 포차" || ps[empty.ID].Name != "빈 포차" {
			t.Errorf("pochas by ids = %+v", ps)
		}
		if _, ok := ps[999999]; ok {
			t.Error("an unknown id was answered")
		}

		menus, err := ts.MenusOf(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if m := menus[f.pocha.ID]; len(m) != 2 || m[0].Name != "어묵" || m[1].Name != "떡볶이" {
			t.Errorf("menu of %d = %+v, want 어묵 then 떡볶이", f.pocha.ID, m)
		}
		if m := menus[f.otherPocha.ID]; len(m) != 1 || m[0].Name != "순대" {
			t.Errorf("menu of %d = %+v", f.otherPocha.ID, m)
		}
		if m, ok := menus[empty.ID]; ok {
			t.Errorf("empty stall's menu = %+v, want absent", m)
		}

		stats, err := ts.ReviewStatsOfMany(ctx, ids, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		one, err := s.ReviewStatsOf(ctx, f.pocha.ID, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if got := stats[f.pocha.ID]; got != one || got.Count != 2 || got.Sum != 8 || got.PerStar != [5]int64{0, 0, 1, 0, 1} || got.Recent != 2 {
			t.Errorf("stats of %d = %+v, want %+v (as ReviewStatsOf)", f.pocha.ID, got, one)
		}
		if got, ok := stats[f.otherPocha.ID]; ok {
			t.Errorf("stats of a stall without reviews = %+v, want absent", got)
		}
		old, err := ts.ReviewStatsOfMany(ctx, ids, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if got := old[f.pocha.ID]; got.Count != 2 || got.Recent != 0 {
			t.Errorf("stats since an hour ahead = %+v, want 2 reviews, 0 recent", got)
		}
		if n := queries.Load(); n != 4 {
			t.Errorf("%d SQL statements for four batch reads, want 4", n)
		}

		for name, read := range map[string]func() (int, error){
			"pochas": func() (int, error) { m, err := ts.PochasByIDs(ctx, nil); return len(m), err },
			"menus":  func() (int, error) { m, err := ts.MenusOf(ctx, nil); return len(m), err },
			"stats":  func() (int, error) { m, err := ts.ReviewStatsOfMany(ctx, nil, time.Now()); return len(m), err },
		} {
			if n, err := read(); err != nil || n != 0 {
				t.Errorf("%s of no ids: %d, %v", name, n, err)
			}
		}
		if n := queries.Load(); n != 4 {
			t.Errorf("no ids ran %d statements, want none", n-4)
		}
	})
}

func TestTracedSeesEveryStatement(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var seen []string
		ts := s.Traced(func(sql string) { seen = append(seen, sql) })
		u := mustUser(t, ts, "traced", store.RoleOwner)
		if _, err := ts.PochaByID(ctx, 424242); err == nil {
			t.Fatal("unknown stall found")
		}
		if _, err := s.PochaByID(ctx, 424242); err == nil { // the untraced store reports nothing
			t.Fatal("unknown stall found")
		}
		if len(seen) != 2 || !strings.Contains(strings.ToUpper(seen[0]), "INSERT") || !strings.Contains(seen[1], "424242") {
			t.Errorf("traced statements = %q, want the user's INSERT and one SELECT of 424242", seen)
		}
		if u.ID == 0 {
			t.Error("user not created through the traced store")
		}
	})
}

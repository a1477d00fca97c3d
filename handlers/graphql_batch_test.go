package handlers

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// sqlCounter counts the SQL statements of a traced store while it is on.
type sqlCounter struct {
	mu   sync.Mutex
	on   bool
	stmt []string
}

func (c *sqlCounter) observe(sql string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.on {
		c.stmt = append(c.stmt, sql)
	}
}

// during returns the statements run by fn.
func (c *sqlCounter) during(fn func()) []string {
	c.mu.Lock()
	c.on, c.stmt = true, nil
	c.mu.Unlock()
	fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	return c.stmt
}

// TestGraphQLNearbyBatchesItsQueries: a page of stalls with their menus and
// review stats costs the same few SQL queries for 10 stalls as for 50 (one
// per kind), not one per stall and kind.
func TestGraphQLNearbyBatchesItsQueries(t *testing.T) {
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var sqls sqlCounter
			idx := geo.NewMemoryIndex()
			t.Cleanup(func() { _ = idx.Close() })
			api := newTestAPI(t, kind, func(d *Deps) {
				d.Store = d.Store.Traced(sqls.observe)
				d.Live = livemap.New(livemap.Deps{Index: idx, Store: d.Store})
			})
			st := api.store // untraced: the set-up is not counted
			owner := store.User{LoginID: "batch_owner", PasswordHash: "x", Nickname: "사장", Email: "b@example.com", Role: store.RoleOwner}
			cust := store.User{LoginID: "batch_cust", PasswordHash: "x", Nickname: "손님", Email: "c@example.com", Role: store.RoleCustomer}
			for _, u := range []*store.User{&owner, &cust} {
				if err := st.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			// 50 stalls in a row 20 m apart, each with two menu items and
			// one review of (i % 5) + 1 stars.
			now := time.Now().UTC()
			for i := range 50 {
				p := store.Pocha{OwnerID: owner.ID, Name: "포차 " + strconv.Itoa(i), IsOpen: true}
				if err := st.CreatePocha(ctx, &p); err != nil {
					t.Fatal(err)
				}
				for j, name := range []string{"어묵", "떡볶이"} {
					if err := st.CreateMenuItem(ctx, &store.MenuItem{PochaID: p.ID, Name: name, Price: int64(3000 + 1000*j), Position: j}); err != nil {
						t.Fatal(err)
					}
				}
				o := store.Order{CustomerID: cust.ID, PochaID: p.ID, Total: 3000, CreatedAt: now, UpdatedAt: now,
					Items: []store.OrderItem{{MenuItemID: 1, Name: "어묵", UnitPrice: 3000, Quantity: 1, LineTotal: 3000}}}
				if err := st.CreateOrder(ctx, &o); err != nil {
					t.Fatal(err)
				}
				if err := st.CreateReview(ctx, &store.Review{PochaID: p.ID, OrderID: o.ID, AuthorID: cust.ID, Stars: i%5 + 1, Content: "좋아요", IsPublic: true}); err != nil {
					t.Fatal(err)
				}
				pos := geo.Position{ID: p.ID, Name: p.Name, Lat: 37.5665, Lng: 126.9780 + float64(i)*0.0002, At: now, Seen: now}
				if _, _, err := idx.Upsert(ctx, pos); err != nil {
					t.Fatal(err)
				}
			}

			const query = `query($first: Int) { nearby(lat: 37.5665, lng: 126.9780, radiusM: 2000, first: $first) {
				pocha { id name menu { name } reviewStats { count average } } } }` // within the default complexity
			type answer struct {
				Nearby []struct {
					Pocha struct {
						ID, Name    string
						Menu        []struct{ Name string }
						ReviewStats struct{ Count int }
					}
				}
			}
			counts := map[int]int{}
			for _, first := range []int{10, 50} {
				var got answer
				stmts := sqls.during(func() {
					api.gql("", query, map[string]any{"first": first}).ok(t, &got)
				})
				if len(got.Nearby) != first {
					t.Fatalf("first %d: %d stalls", first, len(got.Nearby))
				}
				for _, n := range got.Nearby {
					if len(n.Pocha.Menu) != 2 || n.Pocha.Menu[0].Name != "어묵" || n.Pocha.ReviewStats.Count != 1 {
						t.Fatalf("first %d: stall %+v, want its two items and one review", first, n.Pocha)
					}
				}
				counts[first] = len(stmts)
				t.Logf("first %d: %d SQL statements: %q", first, len(stmts), stmts)
				if len(stmts) > 4 {
					t.Errorf("first %d: %d SQL statements, want at most 4 (stalls, their stars for the cards, menus, stats): %q", first, len(stmts), stmts)
				}
			}
			if counts[50] != counts[10] {
				t.Errorf("50 stalls took %d statements, 10 took %d: the count grows with the page", counts[50], counts[10])
			}
		})
	}
}

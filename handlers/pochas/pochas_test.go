package pochas

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// fixture is a stalls service on a fresh store with two owners, a picture
// each, and one stall of the first owner.
type fixture struct {
	svc                *Service
	st                 *store.Store
	owner, other       store.User
	ownerImg, otherImg string
	pocha              store.Pocha
}

// fixedMap is a Locator with every stall at one place.
type fixedMap struct{ loc livemap.Location }

func (m fixedMap) LocationsOf(_ context.Context, ids []uint64) map[uint64]livemap.Location {
	out := map[uint64]livemap.Location{}
	for _, id := range ids {
		out[id] = m.loc
	}
	return out
}

func newFixture(t *testing.T, st *store.Store, locs Locator) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{st: st, svc: New(Deps{Store: st, Locations: locs})}
	for i, u := range []*store.User{&f.owner, &f.other} {
		*u = store.User{LoginID: "owner" + strconv.Itoa(i), PasswordHash: "x", Nickname: "사장님" + strconv.Itoa(i),
			Email: "o" + strconv.Itoa(i) + "@example.com", Phone: "01012345678", Role: store.RoleOwner}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, x := range []struct {
		id    *string
		owner uint64
	}{{&f.ownerImg, f.owner.ID}, {&f.otherImg, f.other.ID}} {
		*x.id = uuid.NewString()
		img := store.Image{ID: *x.id, OwnerID: x.owner, Name: *x.id + ".jpg", ContentType: "image/jpeg", Size: 1, Width: 1, Height: 1}
		if err := st.CreateImage(ctx, &img); err != nil {
			t.Fatal(err)
		}
	}
	v, err := f.svc.Create(ctx, f.owner.ID, Input{Name: ptr("을지로 포차")})
	if err != nil {
		t.Fatal(err)
	}
	if f.pocha, err = st.PochaByID(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

func ptr[T any](v T) *T { return &v }

// fieldOf is the first field of a validation error, or "" for another error.
func fieldOf(err error) string {
	var ce *check.Error
	if errors.As(err, &ce) && len(ce.Fields) > 0 {
		return ce.Fields[0].Field
	}
	return ""
}

func TestCreateValidates(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		f := newFixture(t, st, nil)
		ctx := context.Background()
		tests := []struct {
			name  string
			in    Input
			field string // "" is accepted
		}{
			{"ok", Input{Name: ptr("  종로 포차  "), Description: ptr("떡볶이"), Notice: ptr("오늘 영업")}, ""},
			{"ok_own_image", Input{Name: ptr("사진 포차"), MainImageID: ptr(f.ownerImg)}, ""},
			{"ok_hours", Input{Name: ptr("밤 포차"), Hours: &store.Hours{"fri": {{Open: "18:00", Close: "02:00"}}}}, ""},
			{"name_missing", Input{Description: ptr("x")}, "name"},
			{"name_blank", Input{Name: ptr("   ")}, "name"},
			{"name_too_long", Input{Name: ptr(strings.Repeat("가", 61))}, "name"},
			{"name_bidi", Input{Name: ptr("포차\u202e")}, "name"},
			{"description_too_long", Input{Name: ptr("x"), Description: ptr(strings.Repeat("가", 2001))}, "description"},
			{"notice_too_long", Input{Name: ptr("x"), Notice: ptr(strings.Repeat("가", 501))}, "notice"},
			{"image_not_uuid", Input{Name: ptr("x"), MainImageID: ptr("cat.jpg")}, "main_image_id"},
			{"image_of_another_owner", Input{Name: ptr("x"), MainImageID: ptr(f.otherImg)}, "image_id"},
			{"image_unknown", Input{Name: ptr("x"), MainImageID: ptr(uuid.NewString())}, "image_id"},
			{"hours_unknown_day", Input{Name: ptr("x"), Hours: &store.Hours{"someday": nil}}, "hours.someday"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				v, err := f.svc.Create(ctx, f.owner.ID, tc.in)
				if tc.field == "" {
					if err != nil {
						t.Fatal(err)
					}
					if v.ID == 0 || v.OwnerID != f.owner.ID || v.IsOpen || v.Hours == nil || v.Location != nil {
						t.Fatalf("created %+v", v)
					}
					if tc.name == "ok" && v.Name != "종로 포차" {
						t.Fatalf("name not trimmed: %q", v.Name)
					}
					if tc.in.MainImageID != nil && (v.MainImageURL == nil || *v.MainImageURL != "/api/v1/images/"+f.ownerImg) {
						t.Fatalf("image url %v", v.MainImageURL)
					}
					return
				}
				if got := fieldOf(err); got != tc.field {
					t.Fatalf("error %v, want a field error on %s", err, tc.field)
				}
			})
		}
		mine, err := f.svc.Mine(ctx, f.owner.ID)
		if err != nil || len(mine) != 4 {
			t.Fatalf("mine: %d stalls, %v; want the fixture's and 3", len(mine), err)
		}
		if none, err := f.svc.Mine(ctx, f.other.ID); err != nil || none == nil || len(none) != 0 {
			t.Fatalf("another owner's list %v %v, want empty", none, err)
		}
	})
}

func TestOwnedAndPatch(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		f := newFixture(t, st, nil)
		ctx := context.Background()
		if _, err := f.svc.Owned(ctx, 999999, f.owner.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown stall: %v, want store.ErrNotFound", err)
		}
		if _, err := f.svc.Owned(ctx, f.pocha.ID, f.other.ID); !errors.Is(err, ErrNotYourPocha) {
			t.Fatalf("another owner's stall: %v, want ErrNotYourPocha", err)
		}
		p, err := f.svc.Owned(ctx, f.pocha.ID, f.owner.ID)
		if err != nil || p.ID != f.pocha.ID {
			t.Fatalf("own stall: %+v %v", p, err)
		}
		bad := []struct {
			name  string
			in    Input
			field string
		}{
			{"name_blank", Input{Name: ptr(" ")}, "name"},
			{"foreign_image", Input{MainImageID: ptr(f.otherImg)}, "image_id"},
			{"hours_overlap", Input{Hours: &store.Hours{"mon": {{Open: "18:00", Close: "23:00"}, {Open: "22:00", Close: "01:00"}}}}, "hours"},
		}
		for _, tc := range bad {
			if _, err := f.svc.Patch(ctx, p, tc.in); fieldOf(err) != tc.field {
				t.Fatalf("%s: %v, want a field error on %s", tc.name, err, tc.field)
			}
		}
		v, err := f.svc.Patch(ctx, p, Input{Notice: ptr("오늘 휴무"), MainImageID: ptr(f.ownerImg)})
		if err != nil || v.Name != "을지로 포차" || v.Notice != "오늘 휴무" || v.MainImageID == nil || *v.MainImageID != f.ownerImg {
			t.Fatalf("patched %+v %v", v, err)
		}
		// "" clears the picture, and is no image reference to check.
		if v, err = f.svc.Patch(ctx, p, Input{MainImageID: ptr("")}); err != nil || v.MainImageID != nil || v.MainImageURL != nil {
			t.Fatalf("cleared %+v %v", v, err)
		}
		// Nothing refused changed the stall.
		got, _ := f.svc.Pocha(ctx, p.ID)
		if got.Name != "을지로 포차" || len(got.Hours) != 0 {
			t.Fatalf("stall after refusals: %+v", got)
		}
	})
}

// A stall's view carries the live position only while it is open.
func TestViewLocation(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, store.SQLite)
	loc := livemap.Location{Lat: 37.5661, Lng: 126.9910}
	f := newFixture(t, st, fixedMap{loc})
	ctx := context.Background()
	if v := f.svc.View(ctx, f.pocha); v.Location != nil {
		t.Fatalf("closed stall shows a location: %+v", v.Location)
	}
	open := f.pocha
	open.IsOpen = true
	if v := f.svc.View(ctx, open); v.Location == nil || *v.Location != loc {
		t.Fatalf("open stall's location %+v, want %+v", v.Location, loc)
	}
	if v := New(Deps{Store: st}).View(ctx, open); v.Location != nil {
		t.Fatalf("no live map, yet a location: %+v", v.Location)
	}
}

package app

import (
	"testing"
	"time"
)

// TestSnapshotShowsCategoryAndHours: the WebSocket snapshot carries what
// the stalls service knows of each stall (its category, and whether its
// hours say it is open now), through the real wiring.
func TestSnapshotShowsCategoryAndHours(t *testing.T) {
	in := start(t, nil)
	owner := in.account("cards_owner", "owner")
	allDay := []map[string]string{{"open": "00:00", "close": "24:00"}}
	hours := map[string]any{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		hours[d] = allDay
	}
	var p struct{ ID uint64 }
	in.call("POST", "/api/v1/pochas", owner, map[string]any{"name": "카드 포차", "category": "eomuk", "hours": hours}, 201, &p)
	in.call("POST", "/api/v1/pochas/"+itoa(p.ID)+"/open", owner, map[string]any{"lat": 37.55, "lng": 126.99}, 200, nil)
	w := dialWS(t, in, "")
	w.send(map[string]any{"type": "watch", "lat": 37.55, "lng": 126.99, "radius_m": 500})
	snap := w.next("snapshot", 5*time.Second)
	if len(snap.Pochas) != 1 || snap.Pochas[0].ID != p.ID {
		t.Fatalf("snapshot: %+v", snap)
	}
	if got := snap.Pochas[0]; got.Category != "eomuk" || got.OpenByHours == nil || !*got.OpenByHours {
		t.Fatalf("snapshot stall: category %q, open_by_hours %v; want eomuk, true", got.Category, got.OpenByHours)
	}
}

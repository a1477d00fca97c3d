package pochas

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// TestCardAppendJSONMatchesEncodingJSON checks that AppendJSON writes the
// card's members as encoding/json writes them for the WebSocket snapshot's
// stall (the names and order of realtime.StallView), for a card the service
// made (its fixed members encoded once) and for one made by hand.
func TestCardAppendJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	type members struct { // the card's part of realtime.StallView
		Category    string  `json:"category"`
		Rating      float64 `json:"rating"`
		ReviewCount int64   `json:"review_count"`
		OpenByHours *bool   `json:"open_by_hours"`
	}
	categories := []string{"", "tteokbokki", "떡볶이", `a "b" \c`, "<&>", "nl\n", "bad \xff", "\u2028"}
	hours := []store.Hours{nil, {}, {"mon": {{Open: "00:00", Close: "24:00"}}, "tue": {{Open: "00:00", Close: "24:00"}},
		"wed": {{Open: "00:00", Close: "24:00"}}, "thu": {{Open: "00:00", Close: "24:00"}}, "fri": {{Open: "00:00", Close: "24:00"}},
		"sat": {{Open: "00:00", Close: "24:00"}}, "sun": {{Open: "00:00", Close: "24:00"}}},
		{"fri": {{Open: "18:00", Close: "02:00"}}}, {"sun": {{Open: "22:00", Close: "03:00"}}}}
	rng := rand.New(rand.NewPCG(7, 8))
	start := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for round := range 500 {
		p := store.Pocha{ID: uint64(round + 1), Category: categories[rng.IntN(len(categories))], Hours: hours[rng.IntN(len(hours))]}
		sum := store.ReviewSummary{}
		if rng.IntN(4) > 0 {
			sum.Count = rng.Int64N(10_000) + 1
			sum.Sum = sum.Count + rng.Int64N(4*sum.Count+1) // stars 1..5
		}
		at := start.Add(time.Duration(rng.IntN(7*24*60)) * time.Minute)
		made := cardOf(p, sum)
		byHand := Card{Category: made.Category, ReviewCount: made.ReviewCount, Rating: made.Rating, Hours: made.Hours}
		js, err := json.Marshal(members{Category: made.Category, Rating: made.Rating, ReviewCount: made.ReviewCount,
			OpenByHours: made.OpenByHours(at)})
		if err != nil {
			t.Fatal(err)
		}
		// The snapshot's stall ends with the same members, written the same.
		sv, err := json.Marshal(realtime.StallView{ID: 1, Category: made.Category, Rating: made.Rating,
			ReviewCount: made.ReviewCount, OpenByHours: made.OpenByHours(at)})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(string(sv), ","+string(js[1:])) {
			t.Fatalf("round %d: the snapshot's stall %s does not end with %s", round, sv, js[1:])
		}
		for name, c := range map[string]*Card{"made": &made, "by hand": &byHand} {
			if got := "{" + string(c.AppendJSON(nil, at)) + "}"; got != string(js) {
				t.Fatalf("round %d, card %s:\n got %s\nwant %s", round, name, got, js)
			}
		}
	}
}

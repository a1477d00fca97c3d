package pochas

import (
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
)

func TestOpenByHours(t *testing.T) {
	kst := func(day, hh, mm int) time.Time { // 2026-11-30 is a Monday
		return time.Date(2026, 11, 30+day, hh, mm, 0, 0, korea)
	}
	late := store.Hours{"fri": {{Open: "18:00", Close: "02:00"}}, "sun": {{Open: "20:00", Close: "01:00"}},
		"tue": {{Open: "11:00", Close: "14:00"}, {Open: "17:00", Close: "24:00"}}}
	cases := []struct {
		name  string
		h     store.Hours
		at    time.Time
		open  bool
		known bool
	}{
		{"no hours", nil, kst(0, 12, 0), false, false},
		{"empty days", store.Hours{"mon": {}}, kst(0, 12, 0), false, false},
		{"friday evening", late, kst(4, 19, 0), true, true},
		{"friday opens at 18:00 sharp", late, kst(4, 18, 0), true, true},
		{"before friday opens", late, kst(4, 17, 59), false, true},
		{"past midnight into saturday", late, kst(5, 1, 59), true, true},
		{"saturday closes at 02:00", late, kst(5, 2, 0), false, true},
		{"sunday runs into monday", late, kst(0, 0, 30), true, true},
		{"monday after sunday's close", late, kst(0, 1, 0), false, true},
		{"tuesday lunch", late, kst(1, 13, 59), true, true},
		{"tuesday between spans", late, kst(1, 15, 0), false, true},
		{"tuesday until 24:00", late, kst(1, 23, 59), true, true},
		{"wednesday 00:00 after tuesday's 24:00", late, kst(2, 0, 0), false, true},
		// The instant is read in Korea time whatever zone it comes in.
		{"utc friday 10:00 is 19:00 in Seoul", late, time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), true, true},
	}
	for _, c := range cases {
		open, known := OpenByHours(c.h, c.at)
		if open != c.open || known != c.known {
			t.Errorf("%s: open %v known %v, want %v %v", c.name, open, known, c.open, c.known)
		}
	}
}

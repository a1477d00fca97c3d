package handlers

import (
	"fmt"
	"slices"

	"github.com/illuwa/illuwa/store"
)

// parseClock reads "HH:MM" (00:00 to 23:59) as minutes after midnight.
func parseClock(s string) (int, bool) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// checkHours validates business hours: known weekday keys, at most four spans
// a day, well-formed times, no empty span, no overlap within a day. A span
// whose close is earlier than its open runs past midnight (18:00 to 02:00).
func checkHours(cs *checks, field string, h store.Hours) {
	for day, spans := range h {
		f := field + "." + day
		if !slices.Contains(store.Weekdays, day) {
			cs.add(true, f, "unknown day: use mon, tue, wed, thu, fri, sat, sun")
			continue
		}
		if len(spans) > 4 {
			cs.add(true, f, "at most 4 opening spans a day")
			continue
		}
		type iv struct{ from, to int }
		var ivs []iv
		for i, sp := range spans {
			sf := fmt.Sprintf("%s[%d]", f, i)
			open, ok1 := parseClock(sp.Open)
			closing, ok2 := parseClock(sp.Close)
			if !ok1 || !ok2 {
				cs.add(true, sf, "open and close must be HH:MM times from 00:00 to 23:59")
				continue
			}
			if open == closing {
				cs.add(true, sf, "open and close must differ")
				continue
			}
			if closing < open {
				closing += 24 * 60 // past midnight
			}
			ivs = append(ivs, iv{open, closing})
		}
		slices.SortFunc(ivs, func(a, b iv) int { return a.from - b.from })
		for i := 1; i < len(ivs); i++ {
			if ivs[i].from < ivs[i-1].to {
				cs.add(true, f, "opening spans overlap")
				break
			}
		}
	}
}

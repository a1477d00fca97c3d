package pochas

import (
	"fmt"
	"slices"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// parseClock reads "HH:MM" (00:00 to 23:59, and 24:00 as a closing time) as
// minutes after midnight.
func parseClock(s string, closing bool) (int, bool) {
	// Exactly two digits, a colon, two digits: no signs, spaces or other
	// characters that a number scanner would let through.
	if len(s) != 5 || s[2] != ':' || !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[3]) || !isDigit(s[4]) {
		return 0, false
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 {
		return 0, false
	}
	if closing && h == 24 && m == 0 {
		return 24 * 60, true
	}
	if h > 23 {
		return 0, false
	}
	return h*60 + m, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

type interval struct{ from, to int } // minutes from the start of the week

// checkHours validates business hours: known weekday keys, at most four spans
// a day, well-formed times (24:00 may close a day), no empty span, and no
// overlap anywhere in the week. A span whose close is earlier than its open
// runs past midnight into the next day (18:00 to 02:00), so it may not
// overlap that day's first spans either (Sunday runs into Monday).
func checkHours(cs *check.Fields, field string, h store.Hours) {
	const day, week = 24 * 60, 7 * 24 * 60
	var all []interval
	for d, name := range store.Weekdays {
		spans, ok := h[name]
		if !ok {
			continue
		}
		f := field + "." + name
		if len(spans) > 4 {
			cs.Add(true, f, "at most 4 opening spans a day")
			continue
		}
		for i, sp := range spans {
			sf := fmt.Sprintf("%s[%d]", f, i)
			open, ok1 := parseClock(sp.Open, false)
			closing, ok2 := parseClock(sp.Close, true)
			if !ok1 || !ok2 {
				cs.Add(true, sf, "open and close must be HH:MM times from 00:00 to 23:59 (close may be 24:00)")
				continue
			}
			if open == closing {
				cs.Add(true, sf, "open and close must differ")
				continue
			}
			if closing < open {
				closing += day // past midnight
			}
			from := d*day + open
			all = append(all, interval{from, d*day + closing})
		}
	}
	for name := range h {
		if !slices.Contains(store.Weekdays, name) {
			cs.Add(true, field+"."+name, "unknown day: use mon, tue, wed, thu, fri, sat, sun")
		}
	}
	// Sunday's late spans wrap into Monday morning: compare on a circle.
	var wrapped []interval
	for _, iv := range all {
		if iv.to > week {
			wrapped = append(wrapped, interval{iv.from - week, iv.to - week})
		}
	}
	all = append(all, wrapped...)
	slices.SortFunc(all, func(a, b interval) int { return a.from - b.from })
	for i := 1; i < len(all); i++ {
		if all[i].from < all[i-1].to {
			cs.Add(true, field, "opening spans overlap (a span past midnight runs into the next day)")
			return
		}
	}
}

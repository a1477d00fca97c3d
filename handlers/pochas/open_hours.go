package pochas

import (
	"time"

	"github.com/illuwa/illuwa/store"
)

// korea is the time zone business hours are written in. Korea keeps no
// daylight saving time, so a fixed zone is exact and needs no tzdata.
var korea = time.FixedZone("KST", 9*60*60)

// OpenByHours reports whether the business hours h say the stall is open at
// t, and false for known=false when h names no opening at all (the owner has
// not written hours down). A span whose close is earlier than its open runs
// past midnight into the next day; Sunday's runs into Monday.
func OpenByHours(h store.Hours, t time.Time) (open, known bool) {
	const day, week = 24 * 60, 7 * 24 * 60
	k := t.In(korea)
	// Minutes since Monday 00:00 in Korea time.
	wd := (int(k.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	now := wd*day + k.Hour()*60 + k.Minute()
	for d, name := range store.Weekdays {
		for _, sp := range h[name] {
			from, ok1 := parseClock(sp.Open, false)
			to, ok2 := parseClock(sp.Close, true)
			if !ok1 || !ok2 || from == to {
				continue
			}
			known = true
			if to < from {
				to += day
			}
			from, to = d*day+from, d*day+to
			if (now >= from && now < to) || (now+week >= from && now+week < to) {
				return true, true
			}
		}
	}
	return false, known
}

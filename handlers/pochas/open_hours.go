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
	w := weekOf(h)
	return w.openAt(t), len(w) > 0
}

// week is business hours as intervals of minutes from Monday 00:00, Korea
// time; an interval past Sunday midnight ends after a week's minutes.
type week []interval

const weekMinutes = 7 * 24 * 60

// weekOf turns hours into a week, leaving out spans that do not parse (they
// cannot be stored: the API validates hours).
func weekOf(h store.Hours) week {
	const day = 24 * 60
	var w week
	for d, name := range store.Weekdays {
		for _, sp := range h[name] {
			from, ok1 := parseClock(sp.Open, false)
			to, ok2 := parseClock(sp.Close, true)
			if !ok1 || !ok2 || from == to {
				continue
			}
			if to < from {
				to += day
			}
			w = append(w, interval{d*day + from, d*day + to})
		}
	}
	return w
}

// openAt reports whether t falls in one of the week's intervals.
func (w week) openAt(t time.Time) bool {
	if len(w) == 0 {
		return false
	}
	k := t.In(korea)
	now := ((int(k.Weekday())+6)%7)*24*60 + k.Hour()*60 + k.Minute() // Monday 0
	for _, iv := range w {
		if (now >= iv.from && now < iv.to) || (now+weekMinutes >= iv.from && now+weekMinutes < iv.to) {
			return true
		}
	}
	return false
}

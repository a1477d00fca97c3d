package handlers

import (
	"strconv"
	"testing"

	"github.com/illuwa/illuwa/store"
)

// benchHoursServer returns a real Server on SQLite whose live map holds
// 10,000 open stalls spread over Seoul, each known to the database with a
// category and business hours (two spans a day, the evening one past
// midnight, one day closed), logging at level warn to io.Discard.
func benchHoursServer(b *testing.B) *Server {
	return benchStoredServer(b, 10_000, func(i int) store.Pocha {
		h := store.Hours{}
		for d, day := range store.Weekdays {
			if (i+d)%7 == 0 {
				continue // a closed day
			}
			open := 16 + (i+d)%4
			h[day] = []store.Span{
				{Open: "11:30", Close: "14:00"},
				{Open: strconv.Itoa(open) + ":00", Close: "0" + strconv.Itoa((i+d)%4) + ":30"},
			}
		}
		return store.Pocha{Name: "포차 " + strconv.Itoa(i+1), Category: "tteokbokki", Hours: h}
	})
}

// BenchmarkNearbyHTTPHours is BenchmarkNearbyHTTP (log=warn) with stalls
// the database knows, each with a category and business hours (two spans a
// day, the evening one past midnight), so that every item's card has a
// week to read for open_by_hours, as on a real server.
func BenchmarkNearbyHTTPHours(b *testing.B) {
	runNearbyHTTP(b, benchHoursServer(b))
}

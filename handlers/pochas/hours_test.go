package pochas

import (
	"testing"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// Business hours must be exactly HH:MM: whatever a number scanner would
// tolerate (signs, spaces, a short field) is refused, since the string is
// stored and shown as sent.
func TestCheckHoursTimeFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		open, close string
		ok          bool
	}{
		{"ok", "18:00", "02:00", true},
		{"ok_close_24", "00:00", "24:00", true},
		{"ok_last_minute", "23:59", "24:00", true},
		{"bad_short_hour", "1:00", "02:00", false},
		{"bad_trailing_space", "18:00 ", "02:00", false},
		{"bad_minute_60", "23:60", "24:00", false},
		{"bad_leading_space", " 1:00", "02:00", false},
		{"bad_tab", "\t1:00", "02:00", false},
		{"bad_plus_hour", "+1:00", "02:00", false},
		{"bad_plus_minute", "01:+5", "02:00", false},
		{"bad_minus_zero", "-0:00", "02:00", false},
		{"bad_minute_minus_zero", "01:-0", "02:00", false},
		{"bad_space_in_minute", "01: 5", "02:00", false},
		{"bad_short_minute_space", "01:5 ", "02:00", false},
		{"bad_short_minute_newline", "01:5\n", "02:00", false},
		{"bad_letters", "00:0x", "02:00", false},
		{"bad_close_plus", "18:00", "+2:00", false},
		{"bad_close_24_30", "18:00", "24:30", false},
		{"bad_fullwidth_digits", "１８:00", "02:00", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cs check.Fields
			checkHours(&cs, "hours", store.Hours{"mon": {{Open: tc.open, Close: tc.close}}})
			if got := cs.Err() == nil; got != tc.ok {
				t.Fatalf("open %q close %q: accepted %v, want %v (%v)", tc.open, tc.close, got, tc.ok, cs)
			}
		})
	}
}

// Spans past midnight run into the next day, and Sunday's into Monday: an
// overlap anywhere in the week is refused on the hours field itself.
func TestCheckHoursWeek(t *testing.T) {
	t.Parallel()
	span := func(open, close string) store.Span { return store.Span{Open: open, Close: close} }
	tests := []struct {
		name  string
		hours store.Hours
		field string // "" is accepted
	}{
		{"ok_past_midnight", store.Hours{"fri": {span("18:00", "02:00")}, "sat": {span("02:00", "04:00")}}, ""},
		{"ok_all_day", store.Hours{"sat": {span("00:00", "24:00")}, "sun": {span("00:00", "24:00")}}, ""},
		{"ok_closed_day", store.Hours{"mon": {}}, ""},
		{"ok_four_spans", store.Hours{"tue": {span("08:00", "09:00"), span("10:00", "11:00"), span("12:00", "13:00"), span("14:00", "15:00")}}, ""},
		{"overlap_same_day", store.Hours{"mon": {span("18:00", "23:00"), span("22:00", "01:00")}}, "hours"},
		{"overlap_next_day", store.Hours{"mon": {span("18:00", "06:00")}, "tue": {span("01:00", "03:00")}}, "hours"},
		{"overlap_sunday_into_monday", store.Hours{"sun": {span("20:00", "04:00")}, "mon": {span("03:00", "05:00")}}, "hours"},
		{"empty_span", store.Hours{"wed": {span("18:00", "18:00")}}, "hours.wed[0]"},
		{"open_24", store.Hours{"mon": {span("24:00", "02:00")}}, "hours.mon[0]"},
		{"five_spans", store.Hours{"thu": {span("01:00", "02:00"), span("03:00", "04:00"), span("05:00", "06:00"), span("07:00", "08:00"), span("09:00", "10:00")}}, "hours.thu"},
		{"unknown_day", store.Hours{"someday": {}}, "hours.someday"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cs check.Fields
			checkHours(&cs, "hours", tc.hours)
			switch {
			case tc.field == "" && !cs.OK():
				t.Fatalf("refused: %v", cs)
			case tc.field != "" && (cs.OK() || cs[0].Field != tc.field):
				t.Fatalf("errors %v, want one on %s", cs, tc.field)
			}
		})
	}
}

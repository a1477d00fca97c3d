package stalls

import (
	"testing"

	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// Business hours must be exactly HH:MM: whatever a number scanner would
// tolerate (signs, spaces, a short field) is refused, since the string is
// stored and shown as sent.
func TestCheckHoursTimeFormat(t *testing.T) {
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

package accounts

import "testing"

func TestValidBusinessNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"220-81-62517", true}, // a published example
		{"1208147521", true},
		{"220-81-62518", false}, // wrong check digit
		{"1208147520", false},
		{"220-81-6251", false}, // too short
		{"220-81-6251a", false},
		{"", false},
	} {
		if got := ValidBusinessNumber(NormalizeBusinessNumber(tc.in)); got != tc.want {
			t.Errorf("ValidBusinessNumber(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

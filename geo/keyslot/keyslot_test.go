package keyslot

import "testing"

func TestCRC16CheckValue(t *testing.T) {
	// The published check value of CRC-16/XMODEM.
	if got := crc16("123456789"); got != 0x31c3 {
		t.Fatalf("crc16(123456789) = %#04x, want 0x31c3", got)
	}
}

func TestOfHashTags(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want string // the part that is hashed
	}{
		{"foo", "foo"},
		{"{user1000}.following", "user1000"},
		{"a{b}c{d}", "b"},
		{"{}x", "{}x"},  // an empty tag hashes the whole key
		{"x{y", "x{y"},  // no closing brace
		{"{{y}}", "{y"}, // from the first '{' to the next '}'
		{"illuwa:{g3.0}pos", "g3.0"},
	} {
		if got, want := Of(tc.key), int(crc16(tc.want))%Slots; got != want {
			t.Errorf("Of(%q) = %d, want %d (the slot of %q)", tc.key, got, want, tc.want)
		}
	}
}

func TestSpreadTags(t *testing.T) {
	for _, n := range []int{1, 3, 16, 64} {
		tags := SpreadTags("g", n)
		seen := map[string]bool{}
		for i, tag := range tags {
			s := Of("{" + tag + "}")
			if s < i*Slots/n || s >= (i+1)*Slots/n {
				t.Errorf("n=%d: tag %d %q has slot %d, outside its range", n, i, tag, s)
			}
			if seen[tag] {
				t.Errorf("n=%d: tag %q twice", n, tag)
			}
			seen[tag] = true
		}
	}
	if a, b := SpreadTags("p", 16), SpreadTags("p", 16); a[7] != b[7] {
		t.Fatal("SpreadTags is not deterministic")
	}
}

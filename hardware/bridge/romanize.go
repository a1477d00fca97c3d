package bridge

import "strings"

// Revised Romanization of Korean, letter by letter (no sound-change rules):
// the box's LCD and a plain ESC/POS printer show ASCII only.
var (
	initials = []string{"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"}
	medials  = []string{"a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"}
	finals   = []string{"", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"}
)

// ASCII renders s in printable ASCII: Hangul syllables romanized, other
// non-ASCII runes as '?', control characters as spaces.
func ASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0xAC00 && r <= 0xD7A3:
			n := int(r - 0xAC00)
			b.WriteString(initials[n/588])
			b.WriteString(medials[n%588/28])
			b.WriteString(finals[n%28])
		case r >= 0x20 && r < 0x7F:
			b.WriteRune(r)
		case r < 0x20 || r == 0x7F:
			b.WriteByte(' ')
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

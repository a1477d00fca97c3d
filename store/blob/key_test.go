package blob

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateKey(t *testing.T) {
	tests := []struct {
		name string
		key  string
		ok   bool
	}{
		{"ok_uuid_jpg", "0b9e3c1e-6f0c-4d57-9a43-8d2f7c1b5e2a.jpg", true},
		{"ok_digits", "123", true},
		{"ok_single_dot", "a.b.c", true},
		{"ok_max_len", strings.Repeat("a", MaxKeyLen), true},
		{"empty", "", false},
		{"too_long", strings.Repeat("a", MaxKeyLen+1), false},
		{"leading_slash", "/etc/passwd", false},
		{"slash", "a/b", false},
		{"dotdot", "a..b", false},
		{"parent", "..", false},
		{"leading_dot", ".hidden", false},
		{"leading_dash", "-x", false},
		{"upper", "ABC.jpg", false},
		{"space", "a b", false},
		{"backslash", `a\b`, false},
		{"nul", "a\x00b", false},
		{"unicode", "사진.jpg", false},
		{"attrs_suffix", "x.attrs", false},
		{"tmp_suffix", "x.jpg.18c2.tmp", false},
		{"underscore", "a_b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateKey(tt.key)
			if tt.ok && err != nil {
				t.Fatalf("ValidateKey(%q) = %v, want nil", tt.key, err)
			}
			if !tt.ok && !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("ValidateKey(%q) = %v, want ErrInvalidKey", tt.key, err)
			}
		})
	}
}

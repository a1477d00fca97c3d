package blob

import (
	"fmt"
	"strings"
)

// MaxKeyLen is the longest key ValidateKey accepts.
const MaxKeyLen = 200

// ValidateKey reports whether key may name an object, returning an error that
// wraps ErrInvalidKey when it may not. A valid key is 1 to MaxKeyLen bytes of
// lowercase ASCII letters, digits, '.' and '-'; it starts with a letter or a
// digit (so never with '/' or '.'), contains no "..", and does not end in
// ".attrs" or ".tmp" (names the file backend keeps for itself). A UUID
// followed by an extension, such as "0b9e…-….jpg", is a valid key.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("blob: empty key: %w", ErrInvalidKey)
	case len(key) > MaxKeyLen:
		return fmt.Errorf("blob: key longer than %d bytes: %w", MaxKeyLen, ErrInvalidKey)
	case strings.HasPrefix(key, "/"):
		return fmt.Errorf("blob: key %q starts with '/': %w", key, ErrInvalidKey)
	case strings.Contains(key, ".."):
		return fmt.Errorf("blob: key %q contains \"..\": %w", key, ErrInvalidKey)
	case strings.HasSuffix(key, ".attrs"), strings.HasSuffix(key, ".tmp"):
		return fmt.Errorf("blob: key %q uses a reserved suffix: %w", key, ErrInvalidKey)
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if i == 0 && !alnum {
			return fmt.Errorf("blob: key %q must start with a letter or digit: %w", key, ErrInvalidKey)
		}
		if !alnum && c != '.' && c != '-' {
			return fmt.Errorf("blob: key %q has a character outside [a-z0-9.-]: %w", key, ErrInvalidKey)
		}
	}
	return nil
}

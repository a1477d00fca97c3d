// Package check holds the field validation every domain service shares: a
// collector of field errors, the validation error it returns, and the rules
// for names and free text that other users read. It knows nothing of HTTP;
// the handlers map an *Error to 422 validation_failed with its fields.
package check

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
)

// FieldError names one invalid field of a request and why.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a request that failed validation: the offending fields, in the
// order they were checked.
type Error struct {
	Fields []FieldError
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Field returns an *Error about one field.
func Field(field, msg string) error {
	return &Error{Fields: []FieldError{{Field: field, Message: msg}}}
}

// Fields collects the field errors of one request. The zero value is ready.
type Fields []FieldError

// Add records a problem with field when bad is true.
func (fs *Fields) Add(bad bool, field, msg string) {
	if bad {
		*fs = append(*fs, FieldError{Field: field, Message: msg})
	}
}

// OK reports whether no check failed so far.
func (fs Fields) OK() bool { return len(fs) == 0 }

// Err returns the validation error, or nil when every check passed.
func (fs Fields) Err() error {
	if len(fs) == 0 {
		return nil
	}
	return &Error{Fields: append([]FieldError(nil), fs...)}
}

// Name checks a one-line name as it will be stored: trimmed (in place), 1 to
// max characters, no control or bidirectional formatting characters. A nil
// name is an error only when required.
func (fs *Fields) Name(field string, v *string, required bool, max int) {
	if v == nil {
		fs.Add(required, field, "required")
		return
	}
	*v = strings.TrimSpace(*v)
	fs.Add(*v == "" || Len(*v) > max, field, fmt.Sprintf("must be 1 to %d characters", max))
	fs.Add(Unsafe(*v, false), field, UnsafeMsg)
}

// Text checks free text that may span lines: at most max characters (at
// least one when nonEmpty), no control characters but line breaks and tabs.
func (fs *Fields) Text(field, v string, nonEmpty bool, max int) {
	if nonEmpty {
		fs.Add(Blank(v) || Len(v) > max, field, fmt.Sprintf("must be 1 to %d characters", max))
	} else {
		fs.Add(Len(v) > max, field, fmt.Sprintf("at most %d characters", max))
	}
	fs.Add(Unsafe(v, true), field, UnsafeMsg)
}

// Len counts characters (runes), as a user would.
func Len(s string) int { return len([]rune(s)) }

// Unsafe reports whether s holds characters that have no place in text
// other users see: control characters (line breaks and tabs are allowed only
// when multiline) and the bidirectional embedding, override and isolate
// characters, which can make a name display as something it is not.
func Unsafe(s string, multiline bool) bool {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029':
			if !multiline {
				return true
			}
		case unicode.Is(unicode.Cc, r),
			r >= '\u202a' && r <= '\u202e',
			r >= '\u2066' && r <= '\u2069':
			return true
		}
	}
	return false
}

// UnsafeMsg explains an Unsafe refusal.
const UnsafeMsg = "must not contain control characters or bidirectional formatting characters"

// Blank reports a string with nothing but white space.
func Blank(s string) bool { return strings.TrimSpace(s) == "" }

// Clip shortens s to at most n characters, marking a cut with "…".
func Clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// UUID reports whether s is a UUID in its 36-character text form, as image
// ids are.
func UUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// Explained is a domain error with what a person needs to act on it: a
// detail that replaces the generic one, the fields at fault, and how long to
// wait before trying again. It is the error Err for errors.Is and errors.As.
type Explained struct {
	Err        error
	Detail     string
	Fields     []FieldError
	RetryAfter time.Duration
}

func (e *Explained) Error() string {
	if e.Detail == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + ": " + e.Detail
}

// Unwrap returns the domain error.
func (e *Explained) Unwrap() error { return e.Err }

// Explain wraps err with a detail for the person who gets it.
func Explain(err error, detail string) error { return &Explained{Err: err, Detail: detail} }

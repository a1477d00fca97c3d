package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"
)

// bindJSON decodes the request body into dst strictly: the body must be one
// JSON object of dst's shape; unknown fields (an attempt to set role, owner_id,
// price...) are refused. It answers the problem itself and returns false on
// failure.
func bindJSON(c *gin.Context, dst any) bool {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			writeProblem(c, errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json"))
			return false
		}
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		writeProblem(c, jsonProblem(err))
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		writeProblem(c, errorf(http.StatusBadRequest, "malformed_json", "the body must hold exactly one JSON object"))
		return false
	}
	return true
}

// bindValid binds the body into dst like bindJSON, then runs validate (which
// may normalise dst) and answers its error. It returns false when the
// request was answered.
func bindValid(c *gin.Context, dst any, validate func() error) bool {
	if !bindJSON(c, dst) {
		return false
	}
	if err := validate(); err != nil {
		fail(c, err)
		return false
	}
	return true
}

func jsonProblem(err error) *apiError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return errorf(http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the body is larger than %d bytes", tooBig.Limit))
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, "malformed_json", "the body is empty; send a JSON object")
	case errors.As(err, &syn):
		return errorf(http.StatusBadRequest, "malformed_json", "malformed JSON at byte "+strconv.FormatInt(syn.Offset, 10))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return errorf(http.StatusBadRequest, "malformed_json", "the body must be a JSON object")
		}
		e := errorf(http.StatusBadRequest, "malformed_json", "a field has the wrong type")
		e.fields = []FieldError{{Field: typ.Field, Message: "must be " + jsonKind(typ.Type)}}
		return e
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		e := errorf(http.StatusBadRequest, "unknown_field", "the body has a field that cannot be set: "+name)
		e.fields = []FieldError{{Field: name, Message: "unknown or read-only field"}}
		return e
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(http.StatusBadRequest, "malformed_json", "the JSON body ends early")
	}
	return errorf(http.StatusBadRequest, "malformed_json", "the body is not valid JSON")
}

// jsonKind names a Go type as JSON calls it, so no Go type name leaks out.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct:
		if t.PkgPath() == "time" {
			return "an RFC 3339 time string"
		}
		return "an object"
	case reflect.Map:
		return "an object"
	}
	return "another type"
}

// checks collects field errors of one request.
type checks []FieldError

// add records a problem with field when bad is true.
func (cs *checks) add(bad bool, field, msg string) {
	if bad {
		*cs = append(*cs, FieldError{Field: field, Message: msg})
	}
}

// err returns the validation error, or nil when every check passed.
func (cs checks) err() error {
	if len(cs) == 0 {
		return nil
	}
	return validationError(cs)
}

// pathID parses a numeric path parameter; a malformed one is a 404, as an
// unknown id would be.
func pathID(c *gin.Context, name string) (uint64, bool) {
	id, err := strconv.ParseUint(c.Param(name), 10, 64)
	if err != nil || id == 0 {
		writeProblem(c, errNotFound)
		return 0, false
	}
	return id, true
}

// name checks a one-line name as it will be stored: trimmed (in place), 1 to
// max characters, no control or bidirectional formatting characters. A nil
// name is an error only when required.
func (cs *checks) name(field string, v *string, required bool, max int) {
	if v == nil {
		cs.add(required, field, "required")
		return
	}
	*v = strings.TrimSpace(*v)
	cs.add(*v == "" || textLen(*v) > max, field, fmt.Sprintf("must be 1 to %d characters", max))
	cs.add(unsafeText(*v, false), field, unsafeTextMsg)
}

// text checks free text that may span lines: at most max characters (at
// least one when nonEmpty), no control characters but line breaks and tabs.
func (cs *checks) text(field, v string, nonEmpty bool, max int) {
	if nonEmpty {
		cs.add(isBlank(v) || textLen(v) > max, field, fmt.Sprintf("must be 1 to %d characters", max))
	} else {
		cs.add(textLen(v) > max, field, fmt.Sprintf("at most %d characters", max))
	}
	cs.add(unsafeText(v, true), field, unsafeTextMsg)
}

// textLen counts characters (runes), as a user would.
func textLen(s string) int { return len([]rune(s)) }

// unsafeText reports whether s holds characters that have no place in text
// other users see: control characters (line breaks and tabs are allowed only
// when multiline) and the bidirectional embedding, override and isolate
// characters, which can make a name display as something it is not.
func unsafeText(s string, multiline bool) bool {
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

// unsafeTextMsg explains an unsafeText refusal.
const unsafeTextMsg = "must not contain control characters or bidirectional formatting characters"

// isBlank reports a string with nothing but white space.
func isBlank(s string) bool { return len(bytes.TrimSpace([]byte(s))) == 0 }

package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

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

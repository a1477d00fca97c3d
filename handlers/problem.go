package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/store"
)

// Problem is an RFC 9457 problem details body. Code is a stable,
// machine-readable identifier of the kind of problem; Errors lists the
// offending fields of a request that failed validation.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	Code      string       `json:"code"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
}

// FieldError names one invalid field of a request and why.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// apiError is an error with an HTTP meaning, made by the handlers.
type apiError struct {
	status int
	code   string
	detail string
	fields []FieldError
}

func (e *apiError) Error() string { return e.code + ": " + e.detail }

func errorf(status int, code, detail string) *apiError {
	return &apiError{status: status, code: code, detail: detail}
}

// Common errors.
var (
	errUnauthorized = errorf(http.StatusUnauthorized, "unauthorized", "a valid bearer token is required")
	errNotFound     = errorf(http.StatusNotFound, "not_found", "no such resource")
)

func validationError(fields []FieldError) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, code: "validation_failed", detail: "the request has invalid fields", fields: fields}
}

// fail ends the request with a problem+json answer for err. Errors the
// handlers did not make are logged and answered without their text.
func fail(c *gin.Context, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, store.ErrNotFound):
		ae = errNotFound
	case errors.Is(err, store.ErrConflict):
		ae = errorf(http.StatusConflict, "conflict", "that value is already taken")
	case errors.Is(err, store.ErrInvalidRef):
		ae = errorf(http.StatusUnprocessableEntity, "invalid_reference", "a referenced resource does not exist")
	case errors.Is(err, context.Canceled):
		ae = errorf(499, "client_closed", "the client went away")
	default:
		logger(c).ErrorContext(c.Request.Context(), "request failed", slog.String("error", err.Error()))
		ae = errorf(http.StatusInternalServerError, "internal", "something went wrong on our side; try again")
	}
	writeProblem(c, ae)
}

func writeProblem(c *gin.Context, ae *apiError) {
	p := Problem{
		Type:      "urn:illuwa:problem:" + ae.code,
		Title:     http.StatusText(ae.status),
		Status:    ae.status,
		Detail:    ae.detail,
		Instance:  c.Request.URL.Path,
		Code:      ae.code,
		RequestID: c.GetString(ctxRequestID),
		Errors:    ae.fields,
	}
	if p.Title == "" {
		p.Title = "Client Closed Request"
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(ae.status, p)
}

package graphql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// present turns a resolver's error into a GraphQL error whose
// extensions.code (and status, and fields of a validation error) are those
// of the REST API's problem+json for the same error. Errors nobody described
// are logged and answered as "internal" without their text.
func (r *Resolver) present(ctx context.Context, err error) *gqlerror.Error {
	gerr := graphql.DefaultErrorPresenter(ctx, err)
	var already *gqlerror.Error
	if errors.As(err, &already) && already.Extensions["code"] != nil && errors.Unwrap(already) == nil {
		return gerr // the executor's own (validation, limits)
	}
	cause := err
	if already != nil && already.Unwrap() != nil {
		cause = already.Unwrap()
	}
	var ref *Refusal
	p, ok := Problem{}, false
	if errors.As(cause, &ref) {
		p, ok = Problem{Status: ref.Status, Code: ref.Code, Detail: ref.Detail}, true
	} else if r.d.Problems != nil {
		p, ok = r.d.Problems(cause)
	}
	if !ok {
		r.d.Log.ErrorContext(ctx, "graphql field failed", slog.String("error", cause.Error()),
			slog.String("path", gerr.Path.String()))
		p = Problem{Status: 500, Code: "internal", Detail: "something went wrong on our side; try again"}
	}
	gerr.Message = p.Detail
	gerr.Extensions = map[string]any{"code": p.Code, "status": p.Status}
	if len(p.Fields) > 0 {
		gerr.Extensions["fields"] = p.Fields
	}
	return gerr
}

// recovered answers a panic in a resolver as an internal error.
func (r *Resolver) recovered(ctx context.Context, v any) error {
	r.d.Log.ErrorContext(ctx, "graphql resolver panicked", slog.String("panic", fmt.Sprint(v)))
	return &Refusal{Status: 500, Code: "internal", Detail: "something went wrong on our side; try again"}
}

// limitError is a refusal of a whole operation before it runs.
func limitError(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code, "status": 400}}
}

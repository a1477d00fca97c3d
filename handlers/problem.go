package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/handlers/oauth"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/handlers/push"
	"github.com/illuwa/illuwa/handlers/reviews"
	"github.com/illuwa/illuwa/handlers/uploads"
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
type FieldError = check.FieldError

// apiError is an answer the HTTP layer decides by itself (a malformed body,
// a missing token, an unknown path): everything else is a domain or store
// error that the problem table maps.
type apiError struct {
	status     int
	code       string
	detail     string
	fields     []FieldError
	retryAfter int // seconds, for 429 and 503; 0 sends no Retry-After
}

func (e *apiError) Error() string { return e.code + ": " + e.detail }

func errorf(status int, code, detail string) *apiError {
	return &apiError{status: status, code: code, detail: detail}
}

// Common errors.
var (
	errUnauthorized = errorf(http.StatusUnauthorized, "unauthorized", "a valid bearer token is required")
	errNotFound     = errorf(http.StatusNotFound, "not_found", "no such resource")
	errInternal     = errorf(http.StatusInternalServerError, "internal", "something went wrong on our side; try again")
)

func validationError(fields []FieldError) error { return &check.Error{Fields: fields} }

// problemRule is one row of the problem table: the domain or store error,
// and the status, code and detail it is answered with.
type problemRule struct {
	err    error
	status int
	code   string
	detail string
}

// problemTable maps every domain and store error to its answer. The first
// rule whose error matches (errors.Is) wins, so more specific errors come
// first. The same codes reach WebSocket clients in error messages.
var problemTable = concatRules(
	accountRules,
	liveRules,
	orderRules,
	pochaRules,
	posRules,
	[]problemRule{
		{store.ErrNotFound, http.StatusNotFound, "not_found", "no such resource"},
		{store.ErrConflict, http.StatusConflict, "conflict", "that value is already taken"},
		{store.ErrInvalidRef, http.StatusUnprocessableEntity, "invalid_reference", "a referenced resource does not exist"},
		{store.ErrInvalidTransition, http.StatusConflict, "invalid_transition", "the order's status does not allow this now"},
		{context.Canceled, 499, "client_closed", "the client went away"},
		{store.ErrUnavailable, http.StatusServiceUnavailable, "unavailable", "the database is not answering; try again in a few seconds"},
	},
)

// liveRules answer the live map's refusals.
var liveRules = []problemRule{
	{livemap.ErrNotApproved, http.StatusForbidden, "owner_not_approved", "an admin has not approved this owner yet: give your 사업자등록번호 and wait for approval"},
	{livemap.ErrOwnersOnly, http.StatusForbidden, "forbidden", "only owners may send positions"},
	{livemap.ErrNotOwner, http.StatusForbidden, "forbidden", "only the stall's owner may do this"},
	{livemap.ErrNotOpen, http.StatusConflict, "not_open", "the stall is not open: open it first"},
	{livemap.ErrBadLocation, http.StatusUnprocessableEntity, "invalid_location", "lat must be -90..90 and lng -180..180, finite numbers"},
	{livemap.ErrStaleTime, http.StatusUnprocessableEntity, "stale_time", "the position's time is missing, in the future, or not after the last one"},
	{livemap.ErrTooFast, http.StatusUnprocessableEntity, "too_fast", "the move implies an impossible speed"},
	{livemap.ErrUnknownPocha, http.StatusNotFound, "not_found", "no such stall"},
	{livemap.ErrRateLimited, http.StatusTooManyRequests, "rate_limited", "too many positions for this stall; slow down"},
}

// unavailableRetryAfter is the Retry-After, in seconds, of a 503 answered
// while the database is not answering.
const unavailableRetryAfter = 2

func concatRules(groups ...[]problemRule) []problemRule {
	var out []problemRule
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// problemFor decides the answer to err. ok is false for an error nobody
// described: an internal failure, whose text must not reach the client.
func problemFor(err error) (ae *apiError, ok bool) {
	if errors.As(err, &ae) {
		return ae, true
	}
	var verr *check.Error
	if errors.As(err, &verr) {
		return &apiError{status: http.StatusUnprocessableEntity, code: "validation_failed",
			detail: "the request has invalid fields", fields: verr.Fields}, true
	}
	for _, r := range problemTable {
		if !errors.Is(err, r.err) {
			continue
		}
		out := &apiError{status: r.status, code: r.code, detail: r.detail}
		if r.err == store.ErrUnavailable {
			out.retryAfter = unavailableRetryAfter
		}
		var ex *check.Explained
		if errors.As(err, &ex) {
			if ex.Detail != "" {
				out.detail = ex.Detail
			}
			out.fields = ex.Fields
			if ex.RetryAfter > 0 {
				out.retryAfter = max(1, int(ex.RetryAfter.Seconds()+0.5))
			}
		}
		return out, true
	}
	return errInternal, false
}

// fail ends the request with a problem+json answer for err. Errors nobody
// described are logged and answered without their text.
func fail(c *gin.Context, err error) {
	ae, ok := problemFor(err)
	if !ok {
		logger(c).ErrorContext(c.Request.Context(), "request failed", slog.String("error", err.Error()))
	}
	writeProblem(c, ae)
}

// problemBody is the problem+json document of ae for this request.
func problemBody(c *gin.Context, ae *apiError) Problem {
	p := Problem{
		Type:      "urn:illuwa:problem:" + ae.code,
		Title:     http.StatusText(ae.status),
		Status:    ae.status,
		Detail:    ae.detail,
		Instance:  c.Request.URL.Path,
		Code:      ae.code,
		RequestID: requestIDOf(c),
		Errors:    ae.fields,
	}
	if p.Title == "" {
		p.Title = "Client Closed Request"
	}
	return p
}

// writeProblem is the one writer of problem+json answers.
func writeProblem(c *gin.Context, ae *apiError) {
	if ae.retryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(ae.retryAfter))
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(ae.status, problemBody(c, ae))
}

// codedError is a domain error as a WebSocket client gets it: the code of
// the problem table and its detail (realtime sends errors with a Code).
type codedError struct{ code, detail string }

func (e *codedError) Error() string { return e.detail }

// Code is the machine-readable reason.
func (e *codedError) Code() string { return e.code }

// wsError maps a domain error for a WebSocket client; an internal failure
// stays as it is, so the hub answers "internal" without its text.
func wsError(err error) error {
	if err == nil {
		return nil
	}
	if ae, ok := problemFor(err); ok && ae.code != "client_closed" {
		return &codedError{code: ae.code, detail: ae.detail}
	}
	return err
}

// accountRules answer the accounts service's refusals.
var accountRules = []problemRule{
	{accounts.ErrInvalidCredentials, http.StatusUnauthorized, "invalid_credentials", "wrong login id or password"},
	{accounts.ErrWrongPassword, http.StatusForbidden, "invalid_credentials", "the current password is wrong"},
	{accounts.ErrTooManyAttempts, http.StatusTooManyRequests, "too_many_attempts", "too many attempts; wait and try again"},
	{accounts.ErrLoginTaken, http.StatusConflict, "login_id_taken", "that login id is taken"},
	{accounts.ErrBusy, http.StatusServiceUnavailable, "busy", "the server is busy; try again in a moment"},
	{accounts.ErrInvalidToken, http.StatusUnauthorized, "invalid_token", "the token is unknown, expired or revoked"},
	{accounts.ErrSuspended, http.StatusForbidden, "account_suspended", "an admin suspended this account"},
	{accounts.ErrFinishFirst, http.StatusConflict, "finish_orders_first", "orders are still in progress or a stall is open; finish them first"},
	{accounts.ErrInvalidLink, http.StatusBadRequest, "invalid_link", "the link is unknown, expired or already used; ask for a new one"},
	{accounts.ErrOAuthProviderUnknown, http.StatusNotFound, "oauth_provider_unknown", "no such sign-in provider is configured"},
	{accounts.ErrOAuthState, http.StatusBadRequest, "oauth_state_invalid", "the sign-in's state is unknown, expired, already used or not this browser's; start again"},
	{accounts.ErrOAuthDenied, http.StatusBadRequest, "oauth_denied", "the sign-in was declined at the provider"},
	{accounts.ErrOAuthTicket, http.StatusBadRequest, "oauth_ticket_invalid", "the sign-in ticket is unknown, expired, already used or not this browser's; start again"},
	{accounts.ErrOAuthEmailUnverified, http.StatusForbidden, "oauth_email_unverified", "the provider did not verify this e-mail address, so it links to no account"},
	{accounts.ErrOAuthNothingToLink, http.StatusConflict, "oauth_nothing_to_link", "no account has this e-mail address; sign up instead"},
	{accounts.ErrOAuthLinked, http.StatusConflict, "oauth_already_linked", "this provider account is linked to an account already"},
	{oauth.ErrCodeInvalid, http.StatusBadRequest, "oauth_code_invalid", "the provider refused the sign-in code (expired or already used); start again"},
	{oauth.ErrTokenInvalid, http.StatusBadRequest, "oauth_token_invalid", "the provider's answer did not verify; start again"},
	{oauth.ErrUnavailable, http.StatusBadGateway, "oauth_provider_unavailable", "the sign-in provider did not answer; try again later"},
}

// orderRules answer the ordering service's refusals.
var orderRules = []problemRule{
	{ordering.ErrPochaClosed, http.StatusConflict, "pocha_closed", "the stall is closed and takes no orders now"},
	{ordering.ErrAmountMismatch, http.StatusUnprocessableEntity, "amount_mismatch", "the amount is not the order's total"},
	{ordering.ErrNotPayable, http.StatusConflict, "invalid_transition", "the order cannot be paid in its status"},
	{ordering.ErrAlreadyPaid, http.StatusConflict, "already_paid", "the order is already paid"},
	{ordering.ErrInProgress, http.StatusConflict, "in_progress", "a payment of this order is being processed; retry shortly"},
	{ordering.ErrDeclined, http.StatusPaymentRequired, "payment_rejected", "the card payment was declined"},
	{ordering.ErrOutcomeUnknown, http.StatusServiceUnavailable, "payment_unknown", "the payment gateway did not answer; the payment will be checked and the order updated"},
	{ordering.ErrGatewayMismatch, http.StatusBadGateway, "payment_unknown", "the gateway's answer did not match the order; it will be checked"},
	{ordering.ErrPaymentsOff, http.StatusServiceUnavailable, "payments_unavailable", "card payments are not configured"},
	{ordering.ErrCardRejected, http.StatusPaymentRequired, "card_rejected", "the card was refused"},
	{ordering.ErrGatewayDown, http.StatusServiceUnavailable, "gateway_unavailable", "the payment gateway did not answer; try again"},
	{ordering.ErrLookupFailed, http.StatusBadGateway, "gateway_unavailable", "the payment could not be looked up; retry later"},
	{ordering.ErrMalformedEvent, http.StatusBadRequest, "malformed_webhook", "the body is not a gateway event"},
	{ordering.ErrBadSignature, http.StatusUnauthorized, "invalid_signature", "웹훅 서명이 없거나 맞지 않습니다 (the webhook signature is missing or wrong)"},
	{ordering.ErrStaleSignature, http.StatusUnauthorized, "stale_signature", "웹훅 전송 시각이 지금과 너무 멉니다 (the webhook was signed too long ago; replays are refused)"},
	{ordering.ErrNotApplied, http.StatusInternalServerError, "internal", "the payment could not be applied; retry later"},
	{ordering.ErrAckAnonymous, http.StatusUnauthorized, "unauthorized", "log in to acknowledge orders"},
	{ordering.ErrNoSuchAck, http.StatusNotFound, "not_found", "no such order at your stalls"},
}

// pochaRules answer the stalls and reviews refusals.
var pochaRules = []problemRule{
	{pochas.ErrNotYourPocha, http.StatusForbidden, "not_your_pocha", "this stall belongs to another owner"},
	{reviews.ErrNotYourPocha, http.StatusForbidden, "not_your_pocha", "only the stall's owner replies to its reviews"},
	{reviews.ErrOrderNotCompleted, http.StatusConflict, "order_not_completed", "only a completed order can be reviewed"},
	{reviews.ErrAlreadyReviewed, http.StatusConflict, "already_reviewed", "this order already has a review"},
	{store.ErrQuotaExceeded, http.StatusRequestEntityTooLarge, "image_quota_exceeded", "사진 한도를 넘었습니다. 쓰지 않는 사진을 쓰거나 지우세요 (your pictures are over their quota: use or delete unused ones)"},
	{uploads.ErrInUse, http.StatusConflict, "image_in_use", "가게나 메뉴에 쓰인 사진은 지울 수 없습니다. 먼저 다른 사진으로 바꾸세요 (a stall or menu item uses this picture; change it first)"},
	{push.ErrNoSubscription, http.StatusNotFound, "no_subscription", "you have no push subscription of that endpoint"},
}

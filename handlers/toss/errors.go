package toss

import (
	"errors"
	"fmt"
)

// Error classes. Every error a Client method returns matches exactly one of
// them with errors.Is, and the caller must act on the class, never on the text:
//
//   - ErrRejected: the gateway answered and refused (a 4xx with a business
//     code). Nothing was charged or cancelled by this request. Inspect the code
//     with errors.As(err, &*Error) — for example CodeRejectCardPayment (declined)
//     or CodeAlreadyProcessedPayment (an earlier confirm already succeeded: look
//     the payment up).
//   - ErrUnavailable: the outcome is UNKNOWN. Timeouts, connection errors,
//     cancelled contexts, 5xx answers, undecodable success bodies and "the same
//     Idempotency-Key is still being processed" all land here. The gateway may
//     or may not have acted. Treat it as neither success nor failure: retry with
//     the SAME Idempotency-Key, or look the payment up later with Payment or
//     PaymentByOrderID and reconcile.
//   - ErrInvalidArgument: the call was refused locally before anything was sent
//     (an empty Idempotency-Key, a non-positive amount). A programming error.
var (
	ErrRejected        = errors.New("toss: rejected by the gateway")
	ErrUnavailable     = errors.New("toss: gateway unavailable, outcome unknown")
	ErrInvalidArgument = errors.New("toss: invalid argument")
)

// Error codes the gateway answers with (a subset of the real API's codes that
// Illuwa reacts to; any other code is still delivered in Error.Code).
const (
	CodeRejectCardPayment           = "REJECT_CARD_PAYMENT"
	CodeAlreadyProcessedPayment     = "ALREADY_PROCESSED_PAYMENT"
	CodeAlreadyCanceledPayment      = "ALREADY_CANCELED_PAYMENT"
	CodeNotFoundPayment             = "NOT_FOUND_PAYMENT"
	CodeNotFoundPaymentSession      = "NOT_FOUND_PAYMENT_SESSION"
	CodeNotFoundBillingKey          = "NOT_FOUND_BILLING_KEY"
	CodeNotCancelableAmount         = "NOT_CANCELABLE_AMOUNT"
	CodeNotCancelablePayment        = "NOT_CANCELABLE_PAYMENT"
	CodeInvalidRequest              = "INVALID_REQUEST"
	CodeInvalidAmount               = "INVALID_AMOUNT"
	CodeInvalidCardNumber           = "INVALID_CARD_NUMBER"
	CodeInvalidCardExpiration       = "INVALID_CARD_EXPIRATION"
	CodeDuplicatedOrderID           = "DUPLICATED_ORDER_ID"
	CodeUnauthorizedKey             = "UNAUTHORIZED_KEY"
	CodeIdempotentRequestMismatch   = "IDEMPOTENT_REQUEST_MISMATCH"
	CodeIdempotentRequestProcessing = "IDEMPOTENT_REQUEST_PROCESSING"
	CodeFailedInternalProcessing    = "FAILED_INTERNAL_SYSTEM_PROCESSING"
)

// Error is an answer of the gateway that was not a success. Status is the HTTP
// status; Code and Message come from the gateway's {"code","message"} body (Code
// is empty when the body was not in that shape). An *Error matches ErrRejected
// for 4xx refusals and ErrUnavailable for 5xx, 408, 429 and
// IDEMPOTENT_REQUEST_PROCESSING, whose outcome is unknown or still pending.
// Its text never contains request data (card numbers are never in it).
type Error struct {
	Status  int
	Code    string
	Message string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("toss: gateway answered %d: %s", e.Status, e.Message)
	}
	return fmt.Sprintf("toss: gateway answered %d %s: %s", e.Status, e.Code, e.Message)
}

// Is reports whether the error belongs to the class target (ErrRejected or
// ErrUnavailable).
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnavailable:
		return e.unknownOutcome()
	case ErrRejected:
		return !e.unknownOutcome()
	}
	return false
}

// unknownOutcome reports whether the answer leaves the result of the request
// undecided.
func (e *Error) unknownOutcome() bool {
	switch {
	case e.Status >= 500, e.Status < 400:
		return true
	case e.Status == 408, e.Status == 429:
		return true
	case e.Code == CodeIdempotentRequestProcessing:
		return true
	}
	return false
}

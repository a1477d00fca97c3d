package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/store"
)

// How long a repeated confirm waits for the first one with the same
// Idempotency-Key to finish before answering 409 in_progress.
const (
	idemWait = 5 * time.Second
	idemPoll = 25 * time.Millisecond
)

// captured is a finished answer: stored under the Idempotency-Key when final.
type captured struct {
	status int
	body   []byte
	final  bool // replay it to a retry; false lets a retry run again
	// replayed: the answer of an earlier request with the same key
	replayed bool
}

func answerJSON(status int, v any) captured {
	b, _ := json.Marshal(v)
	return captured{status: status, body: b, final: true}
}

// answerError is the captured problem answer of err for this request, final
// unless retrying the same request could change it (ordering.Retryable).
func answerError(c *gin.Context, err error) captured {
	ae, ok := problemFor(err)
	if !ok {
		logger(c).ErrorContext(c.Request.Context(), "confirm failed", slog.String("error", err.Error()))
	}
	b, _ := json.Marshal(problemBody(c, ae))
	return captured{status: ae.status, body: b, final: !ordering.Retryable(err)}
}

func writeCaptured(c *gin.Context, a captured) {
	ct := "application/json"
	if a.status >= 400 {
		ct = "application/problem+json"
	}
	c.Data(a.status, ct, a.body)
}

// confirmPayment confirms the gateway payment of the caller's order under a
// required Idempotency-Key: a retry with the same key and body gets the first
// answer; the gateway is called with a key derived from the order, so nothing
// is charged twice.
func (s *Server) confirmPayment(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if !validIdempotencyKey(key) {
		fail(c, errIdempotencyKey)
		return
	}
	var req ordering.Payment
	if !bindJSON(c, &req) {
		return
	}
	a, err := s.confirmIdempotent(c, key, req)
	if err != nil {
		fail(c, err)
		return
	}
	if a.replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	writeCaptured(c, a)
}

var errIdempotencyKey = errorf(http.StatusBadRequest, "idempotency_key_required",
	"send an Idempotency-Key header of 8 to 64 characters (letters, digits, '-', '_', '.')")

func validIdempotencyKey(key string) bool {
	return len(key) >= 8 && len(key) <= 64 && validRequestID(key)
}

// confirmIdempotent confirms req for the caller of c under key (REST's
// header, GraphQL's argument): the first request with a key runs and its
// final answer is stored; a later one with the same key and request gets
// that answer (replayed). Refusals before any answer is stored are errors.
func (s *Server) confirmIdempotent(c *gin.Context, key string, req ordering.Payment) (captured, error) {
	if err := req.Validate(); err != nil {
		return captured{}, err
	}
	ctx := c.Request.Context()
	me := currentUser(c).ID
	canon, _ := json.Marshal(req)
	sum := sha256.Sum256(canon)
	hash := hex.EncodeToString(sum[:])

	rec, fresh, err := s.store.BeginIdempotent(ctx, me, key, hash, time.Now().Add(-s.orders.IdempotencyLease(idemWait)))
	if err != nil {
		return captured{}, err
	}
	if !fresh {
		return s.replayIdempotent(ctx, rec, hash)
	}
	var a captured
	if out, err := s.orders.Confirm(ctx, me, req); err != nil {
		a = answerError(c, err)
	} else {
		a = answerJSON(http.StatusOK, out)
	}
	// Store or release under a context the client cannot cancel.
	bg := context.WithoutCancel(ctx)
	if a.final {
		err = s.store.FinishIdempotent(bg, rec.ID, a.status, a.body)
	} else {
		err = s.store.ReleaseIdempotent(bg, rec.ID)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "idempotency record not saved", slog.String("error", err.Error()))
	}
	return a, nil
}

// replayIdempotent answers a request whose key was used before: the stored
// answer for the same body, 422 for another body, and for a first request still
// running, its answer once it is done (or 409 in_progress after idemWait).
func (s *Server) replayIdempotent(ctx context.Context, rec store.IdempotencyRecord, hash string) (captured, error) {
	if rec.RequestHash != hash {
		return captured{}, errorf(http.StatusUnprocessableEntity, "idempotency_key_reused", "this Idempotency-Key was used with a different request")
	}
	deadline := time.Now().Add(idemWait)
	for rec.State != store.IdemDone {
		if time.Now().After(deadline) {
			return captured{}, errorf(http.StatusConflict, "in_progress", "a request with this Idempotency-Key is still running; retry shortly")
		}
		select {
		case <-ctx.Done():
			return captured{}, ctx.Err()
		case <-time.After(idemPoll):
		}
		var err error
		rec, err = s.store.IdempotencyRecord(ctx, rec.UserID, rec.IdemKey)
		if errors.Is(err, store.ErrNotFound) {
			return captured{}, errorf(http.StatusConflict, "in_progress", "the earlier request with this Idempotency-Key ended without an answer; retry")
		}
		if err != nil {
			return captured{}, err
		}
	}
	return captured{status: rec.ResponseStatus, body: rec.ResponseBody, replayed: true}, nil
}

// paymentWebhook handles the gateway's PAYMENT_STATUS_CHANGED events. The
// body is trusted for nothing but the payment key: the payment is looked up at
// the gateway and that answer is applied, idempotently. 200 means committed; a
// failed lookup is 502 so the gateway retries. The event types the gateway
// signs (payouts, sellers) need a good signature: else 401, nothing done.
func (s *Server) paymentWebhook(c *gin.Context) {
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		fail(c, jsonProblem(err))
		return
	}
	out, err := s.orders.ApplyGatewayEvent(c.Request.Context(), raw, ordering.EventSignature{
		Signature: c.GetHeader(toss.SignatureHeader), TransmissionTime: c.GetHeader(toss.TransmissionTimeHeader)})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": out})
}

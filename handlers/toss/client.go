// Package toss is the client of Illuwa's card payment gateway, a Korean gateway
// with the Toss Payments v1 HTTP API: confirm a payment the checkout widget
// prepared, cancel it fully or partly, look it up, issue billing keys, and parse
// webhooks.
//
// Every mutating call takes an Idempotency-Key chosen by the caller; reuse the
// same key when retrying the same operation so the gateway acts at most once.
// See ErrRejected and ErrUnavailable for how a caller must treat failures: an
// ErrUnavailable result means "unknown outcome, look it up later", never
// success and never failure.
//
// The package never logs, and never puts card numbers, CVCs or identity numbers
// into error texts or formatted output.
package toss

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// DefaultBaseURL is the production API origin used when New gets an empty base URL.
const DefaultBaseURL = "https://api.tosspayments.com"

// DefaultTimeout bounds one request (connect, send, wait, read) when the
// caller's *http.Client has no timeout. The gateway may take tens of seconds to
// approve a card, so it is generous; a context deadline shorter than it wins.
const DefaultTimeout = 30 * time.Second

// MaxIdempotencyKeyLen is the longest Idempotency-Key the gateway accepts.
const MaxIdempotencyKeyLen = 300

// maxResponseBytes caps how much of an answer is read.
const maxResponseBytes = 1 << 20

// Client talks to the gateway. It is safe for concurrent use.
type Client struct {
	baseURL string
	auth    string
	http    *http.Client
}

// New returns a Client for the gateway at baseURL (DefaultBaseURL when empty;
// a trailing slash is ignored) that authenticates with secretKey by HTTP Basic
// auth (secretKey as user, empty password). httpClient may be nil: a client
// with DefaultTimeout and bounded dial and TLS handshakes is used. A non-nil
// client without a Timeout is copied and given DefaultTimeout; the caller's
// value is not modified.
func New(baseURL, secretKey string, httpClient *http.Client) *Client {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	switch {
	case httpClient == nil:
		httpClient = &http.Client{Timeout: DefaultTimeout, Transport: defaultTransport()}
	case httpClient.Timeout == 0:
		c := *httpClient
		c.Timeout = DefaultTimeout
		httpClient = &c
	}
	return &Client{
		baseURL: strings.TrimRight(baseURL, "/"),
		auth:    "Basic " + base64.StdEncoding.EncodeToString([]byte(secretKey+":")),
		http:    httpClient,
	}
}

// defaultTransport is http.DefaultTransport's setup with explicit bounds on
// every phase that has no deadline of its own.
func defaultTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// checkIdemKey validates a caller's Idempotency-Key.
func checkIdemKey(key string) error {
	if key == "" {
		return fmt.Errorf("toss: idempotency key is required: %w", ErrInvalidArgument)
	}
	if len(key) > MaxIdempotencyKeyLen {
		return fmt.Errorf("toss: idempotency key longer than %d bytes: %w", MaxIdempotencyKeyLen, ErrInvalidArgument)
	}
	return nil
}

// do sends one request and decodes a 2xx JSON answer into out. in is encoded
// as the JSON body when non-nil; idemKey is sent when non-empty. Errors carry
// the method and path only, never the body.
func (c *Client) do(ctx context.Context, method, path, idemKey string, in, out any) error {
	op := method + " " + path
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("toss: %s: encode request: %w", op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return fmt.Errorf("toss: %s: %w: %w", op, ErrInvalidArgument, err)
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		// The request may have reached the gateway: the outcome is unknown.
		return fmt.Errorf("toss: %s: %w: %w", op, ErrUnavailable, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("toss: %s: read answer: %w: %w", op, ErrUnavailable, err)
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("toss: %s: %w", op, gatewayError(resp.StatusCode, raw))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		// The gateway acted but we cannot tell how: unknown outcome.
		return fmt.Errorf("toss: %s: decode answer: %w: %w", op, ErrUnavailable, err)
	}
	return nil
}

// gatewayError turns a non-2xx answer into an *Error.
func gatewayError(status int, raw []byte) *Error {
	var body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	e := &Error{Status: status}
	if json.Unmarshal(raw, &body) == nil && body.Code != "" {
		e.Code, e.Message = body.Code, body.Message
	} else {
		e.Message = http.StatusText(status)
	}
	return e
}

// AsError returns the gateway's *Error inside err, if there is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

package realtime

import (
	"encoding/json"
	"time"
)

// Message types of the WebSocket protocol (the "type" field).
const (
	TypeWatch    = "watch"
	TypeUnwatch  = "unwatch"
	TypeLocation = "location"
	TypeAck      = "ack"
	// TypeCard and TypeHeartbeat come from POS devices only.
	TypeCard      = "card"
	TypeHeartbeat = "heartbeat"

	TypeHello        = "hello"
	TypeSnapshot     = "snapshot"
	TypePochaMoved   = "pocha.moved"
	TypePochaOpened  = "pocha.opened"
	TypePochaClosed  = "pocha.closed"
	TypePochaLeft    = "pocha.left"
	TypeOrderCreated = "order.created"
	TypeOrderUpdated = "order.updated"
	TypeNotification = "notification"
	TypeError        = "error"
	// TypePaymentResult answers a device's card; TypePochaPaused and
	// TypePochaResumed tell watchers a stall stopped or resumed taking orders.
	TypePaymentResult = "payment.result"
	TypePochaPaused   = "pocha.paused"
	TypePochaResumed  = "pocha.resumed"
	// TypeOrdersResync tells a signed-in connection that pushes may have
	// been lost (the broker reconnected): re-read its open orders.
	TypeOrdersResync = "orders.resync"
)

// Error codes sent in ErrorMessage.Code by this package. Inbound may return
// errors carrying other codes (see Inbound).
const (
	CodeInvalidMessage = "invalid_message"
	// CodeInvalidLocation: a location's coordinates are out of range.
	CodeInvalidLocation = "invalid_location"
	CodeUnauthorized    = "unauthorized"
	CodeForbidden       = "forbidden"
	CodeInternal        = "internal"
	// CodeRateLimited: a location was refused because the server had
	// Options.MaxLocationsInFlight locations in flight, more than
	// Options.MaxSendBacklog messages to write, or because it arrived more
	// than Options.MaxLocationDelay late; the next one may be accepted.
	CodeRateLimited = "rate_limited"
)

// WebSocket close codes used by the server.
const (
	CloseGoingAway       = 1001 // the server is shutting down
	ClosePolicyViolation = 1008 // too many invalid messages, or a frame over the read limit
	CloseTryAgainLater   = 1013 // the client did not read fast enough (send queue full)
)

// Radius limits of a watch, in metres.
const (
	MinRadiusM = 1
	MaxRadiusM = 5000
)

// Identity is the authenticated user behind a connection. UserID 0 means
// anonymous; an anonymous connection may only watch.
type Identity struct {
	UserID uint64
	Role   string
	// Session names the login the connection was opened with (an opaque
	// key, e.g. the hash of its token); Hub.EndSession closes its connections.
	Session string
	// DeviceID is set (with PochaID, the device's stall) for a POS device:
	// it gets the pushes of its stall's topic, not its owner's.
	DeviceID uint64
	PochaID  uint64
	// Addr is the client's address as the caller trusts it (behind a
	// balancer, the forwarded one); Options.MaxConnsPerAddr counts it. Empty
	// applies no per-address cap.
	Addr string
}

// PochaEvent is a change of one stall, published with Hub.PublishPocha.
// Type is TypePochaMoved, TypePochaOpened or TypePochaClosed; Reason is
// "closed" or "expired" for TypePochaClosed and empty otherwise. At is the
// time of the position (the owner's clock, as accepted by the server) and
// orders events of one stall: newer At wins.
type PochaEvent struct {
	Type   string
	ID     uint64
	Name   string
	Lat    float64
	Lng    float64
	At     time.Time
	Reason string
}

// StallView is one open stall in a snapshot, as returned by Map.Snapshot.
// DistanceM is the distance from the watched centre in metres.
type StallView struct {
	ID        uint64    `json:"id"`
	Name      string    `json:"name"`
	Lat       float64   `json:"lat"`
	Lng       float64   `json:"lng"`
	At        time.Time `json:"at"`
	DistanceM float64   `json:"distance_m"`
	// What the map shows beside the position (filled by the Map, e.g. from
	// the stalls' records): the category code ("" for none), the mean of
	// the public reviews' stars (0 when none) and their count, and whether
	// the business hours say it is open now (nil when it has none).
	Category    string  `json:"category"`
	Rating      float64 `json:"rating"`
	ReviewCount int64   `json:"review_count"`
	OpenByHours *bool   `json:"open_by_hours"`
}

// LocationMsg is a client's "location" message: an owner reporting the
// position of their open stall at time At.
type LocationMsg struct {
	PochaID uint64    `json:"pocha_id"`
	Lat     float64   `json:"lat"`
	Lng     float64   `json:"lng"`
	At      time.Time `json:"at"`
}

// WatchMessage is a client's "watch" message: stream the stalls within
// RadiusM metres (MinRadiusM..MaxRadiusM) of Lat, Lng.
type WatchMessage struct {
	Type    string  `json:"type"`
	Ref     string  `json:"ref,omitempty"`
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
	RadiusM float64 `json:"radius_m"`
}

// UnwatchMessage is a client's "unwatch" message: stop map events.
type UnwatchMessage struct {
	Type string `json:"type"`
	Ref  string `json:"ref,omitempty"`
}

// AckMessage is a client's "ack" message acknowledging an order push.
type AckMessage struct {
	Type    string `json:"type"`
	Ref     string `json:"ref,omitempty"`
	OrderID uint64 `json:"order_id"`
}

// HelloMessage is the first message on every connection.
type HelloMessage struct {
	Type       string    `json:"type"`
	UserID     uint64    `json:"user_id"`
	Role       string    `json:"role"`
	ServerTime time.Time `json:"server_time"`
}

// SnapshotMessage lists the open stalls inside the watched circle, nearest
// first. A client replaces its whole map with it.
type SnapshotMessage struct {
	Type       string      `json:"type"`
	Ref        string      `json:"ref,omitempty"`
	Lat        float64     `json:"lat"`
	Lng        float64     `json:"lng"`
	RadiusM    float64     `json:"radius_m"`
	Pochas     []StallView `json:"pochas"`
	ServerTime time.Time   `json:"server_time"`
}

// PochaMessage is a "pocha.moved", "pocha.opened" or "pocha.closed"
// message. Reason is set only for "pocha.closed".
type PochaMessage struct {
	Type       string    `json:"type"`
	ID         uint64    `json:"id"`
	Name       string    `json:"name"`
	Lat        float64   `json:"lat"`
	Lng        float64   `json:"lng"`
	At         time.Time `json:"at"`
	Reason     string    `json:"reason,omitempty"`
	ServerTime time.Time `json:"server_time"`
}

// LeftMessage is a "pocha.left" message: a stall the client knew moved to
// Lat, Lng, outside the watched circle.
type LeftMessage struct {
	Type       string    `json:"type"`
	ID         uint64    `json:"id"`
	Lat        float64   `json:"lat"`
	Lng        float64   `json:"lng"`
	At         time.Time `json:"at"`
	ServerTime time.Time `json:"server_time"`
}

// OrderMessage is an "order.created" or "order.updated" push; Order is the
// order as the HTTP API renders it.
type OrderMessage struct {
	Type       string          `json:"type"`
	Order      json.RawMessage `json:"order"`
	ServerTime time.Time       `json:"server_time"`
}

// OrdersResyncMessage is an "orders.resync" nudge.
type OrdersResyncMessage struct {
	Type       string    `json:"type"`
	ServerTime time.Time `json:"server_time"`
}

// NotificationMessage is a "notification" push; Notification is the
// notification as the HTTP API renders it.
type NotificationMessage struct {
	Type         string          `json:"type"`
	Notification json.RawMessage `json:"notification"`
	ServerTime   time.Time       `json:"server_time"`
}

// PaymentResultMessage answers a device's card message: whether the card
// paid the order, and the gateway's (or our) code.
type PaymentResultMessage struct {
	Type       string    `json:"type"`
	Ref        string    `json:"ref,omitempty"`
	OrderID    uint64    `json:"order_id"`
	Approved   bool      `json:"approved"`
	Code       string    `json:"code"`
	Message    string    `json:"message,omitempty"`
	ServerTime time.Time `json:"server_time"`
}

// ErrorMessage reports a failed client message. Ref echoes the failed
// message's ref. The connection stays open unless a close frame follows.
type ErrorMessage struct {
	Type       string    `json:"type"`
	Code       string    `json:"code"`
	Message    string    `json:"message"`
	Ref        string    `json:"ref,omitempty"`
	ServerTime time.Time `json:"server_time"`
}

// clientMessage is the union of every client message, decoded once.
// Pointers tell a missing field from a zero value.
type clientMessage struct {
	Type    string    `json:"type"`
	Ref     string    `json:"ref"`
	Lat     *float64  `json:"lat"`
	Lng     *float64  `json:"lng"`
	RadiusM *float64  `json:"radius_m"`
	PochaID uint64    `json:"pocha_id"`
	At      time.Time `json:"at"`
	OrderID uint64    `json:"order_id"`
	Token   string    `json:"token"`
}

// now is the server clock in UTC, as every server_time is written.
func now() time.Time { return time.Now().UTC() }

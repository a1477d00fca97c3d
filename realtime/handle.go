package realtime

import (
	"encoding/json"
	"errors"
	"math"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/gorilla/websocket"
)

// handle answers one client message.
func (c *conn) handle(mt int, data []byte) {
	if mt != websocket.TextMessage {
		c.invalidMessage("", "messages must be JSON text frames")
		return
	}
	var m clientMessage
	// The JSON v2 decoder (the reference implementation of Go's coming
	// encoding/json/v2) reads a location in half the time of encoding/json
	// with a third of the allocations; it is also stricter: field names
	// match exactly, and a repeated name or invalid UTF-8 is malformed.
	if err := jsonv2.Unmarshal(data, &m); err != nil {
		// Echo the ref when the envelope itself is readable (a field of the
		// wrong type, say), so the client can tell which message failed.
		var head struct {
			Ref string `json:"ref"`
		}
		_ = json.Unmarshal(data, &head) // lenient: a repeated name still echoes the ref
		c.invalidMessage(head.Ref, "malformed message: not JSON, or a field of the wrong type")
		return
	}
	switch m.Type {
	case TypeWatch:
		c.handleWatch(&m)
	case TypeUnwatch:
		c.invalid = 0
		c.hub.unwatch(c)
	case TypeLocation:
		c.handleLocation(&m)
	case TypeAck:
		c.handleAck(&m)
	case TypeCard, TypeHeartbeat:
		c.handleDevice(&m)
	default:
		c.invalidMessage(m.Ref, "unknown message type")
	}
}

func (c *conn) handleWatch(m *clientMessage) {
	if m.Lat == nil || m.Lng == nil || m.RadiusM == nil ||
		!validCoord(*m.Lat, *m.Lng) || !(*m.RadiusM >= MinRadiusM && *m.RadiusM <= MaxRadiusM) {
		c.invalidMessage(m.Ref, "watch needs lat -90..90, lng -180..180 and radius_m 1..5000")
		return
	}
	c.invalid = 0
	c.hub.watch(c.hub.baseCtx, c, *m.Lat, *m.Lng, *m.RadiusM, m.Ref)
}

func (c *conn) handleLocation(m *clientMessage) {
	if c.who.UserID == 0 {
		c.sendError(m.Ref, CodeUnauthorized, "sign in to send a location")
		return
	}
	if c.who.Role != "owner" {
		c.sendError(m.Ref, CodeForbidden, "only stall owners send locations")
		return
	}
	if m.PochaID == 0 || m.Lat == nil || m.Lng == nil || m.At.IsZero() {
		c.invalidMessage(m.Ref, "location needs pocha_id, lat, lng and at")
		return
	}
	if !validCoord(*m.Lat, *m.Lng) {
		c.invalid++
		c.sendError(m.Ref, CodeInvalidLocation, "lat must be -90..90 and lng -180..180")
		if c.invalid >= c.hub.opts.MaxInvalid {
			c.closeWith(ClosePolicyViolation, false)
		}
		return
	}
	c.invalid = 0
	arrived, limit := time.Now(), c.hub.opts.MaxLocationDelay
	if limit > 0 && c.lag.delay(arrived, m.At) > limit {
		c.hub.metrics.locLate.Inc()
		c.sendError(m.Ref, CodeRateLimited, "the server is busy: this position arrived too late and was refused, send the next one")
		return
	}
	if !c.hub.startLocation() {
		c.hub.metrics.locRefused.Inc()
		c.sendError(m.Ref, CodeRateLimited, "the server is busy: this position was refused, send the next one")
		return
	}
	defer c.hub.locationsInFlight.Add(-1)
	loc := LocationMsg{PochaID: m.PochaID, Lat: *m.Lat, Lng: *m.Lng, At: m.At.UTC()}
	if err := c.in.Location(c.hub.baseCtx, c.who, loc); err != nil {
		c.sendInboundError(m.Ref, err)
	} else if limit > 0 {
		c.lag.record(arrived, m.At)
	}
}

// startLocation takes one of the Options.MaxLocationsInFlight slots; false
// when all are taken, or when more than Options.MaxSendBacklog messages
// wait to be written. A true result must be paired with
// locationsInFlight.Add(-1) when the location has been applied.
func (h *Hub) startLocation() bool {
	if h.backlog.Load() > int64(h.opts.MaxSendBacklog) {
		return false
	}
	if h.locationsInFlight.Add(1) > int64(h.opts.MaxLocationsInFlight) {
		h.locationsInFlight.Add(-1)
		return false
	}
	return true
}

func (c *conn) handleAck(m *clientMessage) {
	if c.who.UserID == 0 {
		c.sendError(m.Ref, CodeUnauthorized, "sign in to acknowledge orders")
		return
	}
	if m.OrderID == 0 {
		c.invalidMessage(m.Ref, "ack needs order_id")
		return
	}
	c.invalid = 0
	if err := c.in.Ack(c.hub.baseCtx, c.who, m.OrderID); err != nil {
		c.sendInboundError(m.Ref, err)
	}
}

// invalidMessage answers a malformed message; MaxInvalid in a row close the
// connection with 1008.
func (c *conn) invalidMessage(ref, text string) {
	c.invalid++
	c.sendError(ref, CodeInvalidMessage, text)
	if c.invalid >= c.hub.opts.MaxInvalid {
		c.closeWith(ClosePolicyViolation, false)
	}
}

// sendInboundError maps an Inbound error to an error message without
// leaking internal error text.
func (c *conn) sendInboundError(ref string, err error) {
	var coded interface{ Code() string }
	if errors.As(err, &coded) && coded.Code() != "" {
		c.sendError(ref, coded.Code(), err.Error())
		return
	}
	c.sendError(ref, CodeInternal, "internal error")
}

func (c *conn) sendError(ref, code, text string) {
	c.send(ErrorMessage{Type: TypeError, Code: code, Message: text, Ref: ref, ServerTime: now()})
}

// send encodes msg and queues it.
func (c *conn) send(msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		return // only our own message types are sent; they always encode
	}
	c.mu.Lock()
	c.enqueueLocked(b)
	c.mu.Unlock()
}

func validCoord(lat, lng float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lng) && lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180
}

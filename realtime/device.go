package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
)

// Presence is an optional extension of Inbound: it is told when a signed-in
// connection (an owner's screen, a POS device) opens and closes. key names
// the connection uniquely across instances.
type Presence interface {
	Online(ctx context.Context, who Identity, key string)
	Offline(ctx context.Context, who Identity, key string)
}

// DeviceInbound is an optional extension of Inbound for POS devices. Card
// pays order orderID with the card whose opaque token the box read; its
// answer is sent back as "payment.result". Heartbeat marks the device
// online. The hub answers both with "forbidden" for connections that are
// not devices, and "invalid_message" for a card without token or order_id.
type DeviceInbound interface {
	Card(ctx context.Context, who Identity, token string, orderID uint64) (PaymentResultMessage, error)
	Heartbeat(ctx context.Context, who Identity, key string) error
}

// stallTopic is the broker topic of a stall's POS devices.
func stallTopic(pochaID uint64) string { return "pocha:" + strconv.FormatUint(pochaID, 10) }

var (
	connPrefix  = newConnPrefix()
	connCounter atomic.Uint64
)

func newConnPrefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (h *Hub) connKey() string {
	return connPrefix + "-" + strconv.FormatUint(connCounter.Add(1), 10)
}

func (c *conn) handleDevice(m *clientMessage) {
	d, ok := c.in.(DeviceInbound)
	if c.who.DeviceID == 0 || !ok {
		c.sendError(m.Ref, CodeForbidden, "only POS devices send "+m.Type)
		return
	}
	if m.Type == TypeHeartbeat {
		c.invalid = 0
		if err := d.Heartbeat(c.hub.baseCtx, c.who, c.key); err != nil {
			c.sendInboundError(m.Ref, err)
		}
		return
	}
	if m.OrderID == 0 || m.Token == "" || len(m.Token) > 64 {
		c.invalidMessage(m.Ref, "card needs token and order_id")
		return
	}
	c.invalid = 0
	res, err := d.Card(c.hub.baseCtx, c.who, m.Token, m.OrderID)
	if err != nil {
		c.sendInboundError(m.Ref, err)
		return
	}
	res.Type, res.Ref, res.ServerTime = TypePaymentResult, m.Ref, now()
	c.send(res)
}

// PublishStall pushes a message to every POS device of the stall on every
// instance; msgType and body are as for PublishUser, and it is queued the
// same way (never blocking, in order per stall).
func (h *Hub) PublishStall(ctx context.Context, pochaID uint64, msgType string, body any) error {
	if h.broker == nil {
		return errors.New("realtime: publish stall: no broker set")
	}
	if msgType != TypeOrderCreated && msgType != TypeOrderUpdated {
		return fmt.Errorf("realtime: publish stall: unknown message type %q", msgType)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("realtime: publish stall: encode body: %w", err)
	}
	b, err := json.Marshal(OrderMessage{Type: msgType, Order: raw, ServerTime: now()})
	if err != nil {
		return fmt.Errorf("realtime: publish stall: %w", err)
	}
	payload := encodeEnvelope(kindUser, pochaID, 0, 0, now().UnixNano(), b)
	if err := h.pushes.publish(ctx, stallTopic(pochaID), payload); err != nil {
		return fmt.Errorf("realtime: publish stall %d: %w", pochaID, err)
	}
	return nil
}

// DeviceSession is the Identity.Session of a device's connections.
func DeviceSession(deviceID uint64) string { return "device:" + strconv.FormatUint(deviceID, 10) }

// EndDevice closes, on every instance, the connections of the stall's
// device (it was revoked), with close code 1008.
func (h *Hub) EndDevice(ctx context.Context, pochaID, deviceID uint64) error {
	if h.broker == nil {
		return errors.New("realtime: end device: no broker set")
	}
	payload := encodeEnvelope(kindEndSession, pochaID, 0, 0, now().UnixNano(), []byte(DeviceSession(deviceID)))
	if err := h.broker.Publish(ctx, stallTopic(pochaID), payload); err != nil {
		return fmt.Errorf("realtime: end device %d: %w", deviceID, err)
	}
	return nil
}

package hardware

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ProtocolVersion is the version both sides announce in Hello. A peer with
// another version is refused (Error with ErrVersion).
const ProtocolVersion = 1

// Message is the content of one frame; Encode and Decode convert.
type Message interface {
	// Type is the frame type that carries this message.
	Type() Type
	appendPayload(p []byte) []byte
	decodePayload(p []byte) error
}

// Role says which side sent a Hello.
type Role byte

// The two roles.
const (
	RoleHost Role = 'H' // the bridge
	RoleBox  Role = 'B' // the firmware
)

// Hello opens a session: each side sends one when it starts (the box on boot,
// the host when it opens the port) and the receiver forgets the sequence
// number it last saw from the sender. BootID changes at every start, so the
// host can tell a box that rebooted from a box that only missed frames.
type Hello struct {
	Version uint8
	Role    Role
	BootID  uint16
	Name    string // printable ASCII, at most 24 bytes
}

// Ping asks the peer to answer with an Ack.
type Ping struct{}

// AckStatus is what an Ack says about the frame it acknowledges.
type AckStatus uint8

// The Ack statuses.
const (
	AckOK        AckStatus = 0 // done: for Order, it is on the display
	AckDuplicate AckStatus = 1 // already known (same order id, or a withdrawn one): nothing changed
	AckBusy      AckStatus = 2 // cannot take it now (queue full): send again later
	AckRefused   AckStatus = 3 // understood but refused (unknown type, bad payload, wrong version)
)

func (s AckStatus) String() string {
	switch s {
	case AckOK:
		return "ok"
	case AckDuplicate:
		return "duplicate"
	case AckBusy:
		return "busy"
	case AckRefused:
		return "refused"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Ack acknowledges the frame whose sequence number is in the Ack frame's Seq.
type Ack struct{ Status AckStatus }

// OrderState is how the box should show an order.
type OrderState uint8

// The order states on the box.
const (
	OrderNew      OrderState = 0 // paid, waiting to be accepted or rejected
	OrderAccepted OrderState = 1 // accepted, waiting to be marked ready
)

// Order asks the box to show an order. The box shows one order id at most
// once: a second Order with a known id is acknowledged AckDuplicate.
type Order struct {
	ID      uint32
	Pickup  uint16 // the short number called out at the stall (0..999)
	Total   uint32 // won
	Lines   uint8  // how many order lines in all
	State   OrderState
	Summary string // printable ASCII, at most 40 bytes: the first items
}

// WithdrawReason says why an order leaves the box's queue.
type WithdrawReason uint8

// The reasons.
const (
	WithdrawCancelled WithdrawReason = 1 // cancelled (by the customer, a timeout, a reject elsewhere)
	WithdrawAccepted  WithdrawReason = 2 // accepted elsewhere: the box keeps it as accepted
	WithdrawDone      WithdrawReason = 3 // marked ready or completed elsewhere: the box drops it
)

// Withdraw tells the box that an order changed elsewhere.
type Withdraw struct {
	ID     uint32
	Reason WithdrawReason
}

// PaymentResult tells the box how a card payment for an order ended.
type PaymentResult struct {
	OrderID  uint32
	Approved bool
	Code     string // printable ASCII, at most 20 bytes (the provider's code)
}

// ButtonKind is one of the box's action buttons.
type ButtonKind uint8

// The action buttons ("next" only moves the display and is not sent).
const (
	ButtonAccept ButtonKind = 1
	ButtonReject ButtonKind = 2
	ButtonReady  ButtonKind = 3
)

func (b ButtonKind) String() string {
	switch b {
	case ButtonAccept:
		return "accept"
	case ButtonReject:
		return "reject"
	case ButtonReady:
		return "ready"
	}
	return fmt.Sprintf("button(%d)", uint8(b))
}

// Button reports a press of an action button on the order the box showed.
type Button struct {
	Button         ButtonKind
	OrderID        uint32
	ReadyInMinutes uint8 // with ButtonAccept: the box's estimate (1..180)
}

// CardTokenSize is the length of a card token.
const CardTokenSize = 8

// Card reports a card tap. Token is a keyed hash of the card's UID (see
// CardToken): the UID itself never leaves the box. OrderID is the order on
// the display when the card was tapped, 0 for none.
type Card struct {
	OrderID uint32
	Token   [CardTokenSize]byte
}

// ErrorCode classifies an Error.
type ErrorCode uint8

// The error codes.
const (
	ErrVersion     ErrorCode = 1 // the peer speaks another protocol version
	ErrMalformed   ErrorCode = 2 // frames were dropped as malformed (Detail: how many)
	ErrUnsupported ErrorCode = 3 // a frame type this side does not know
	ErrReader      ErrorCode = 4 // the card reader does not answer
	ErrHost        ErrorCode = 5 // host-side trouble shown on the box (Detail: text)
)

// Error reports a problem. It is informational: nothing must be undone.
type Error struct {
	Code   ErrorCode
	Detail string // printable ASCII, at most 40 bytes
}

// Errors from Decode.
var (
	ErrUnknownType = errors.New("hardware: unknown frame type")
	ErrBadPayload  = errors.New("hardware: bad payload")
)

// Encode returns the frame that carries m with sequence number seq.
func Encode(m Message, seq uint8) Frame {
	return Frame{Type: m.Type(), Seq: seq, Payload: m.appendPayload(make([]byte, 0, MaxPayload))}
}

// Decode returns the message a frame carries. A frame of an unknown type is
// ErrUnknownType; a payload of the wrong length or with non-printable text is
// ErrBadPayload (both wrapped with the type).
func Decode(f Frame) (Message, error) {
	var m Message
	switch f.Type {
	case TypeHello:
		m = &Hello{}
	case TypePing:
		m = &Ping{}
	case TypeAck:
		m = &Ack{}
	case TypeOrder:
		m = &Order{}
	case TypeWithdraw:
		m = &Withdraw{}
	case TypePayment:
		m = &PaymentResult{}
	case TypeButton:
		m = &Button{}
	case TypeCard:
		m = &Card{}
	case TypeError:
		m = &Error{}
	default:
		return nil, fmt.Errorf("%w 0x%02x", ErrUnknownType, byte(f.Type))
	}
	if err := m.decodePayload(f.Payload); err != nil {
		return nil, fmt.Errorf("%v: %w", f.Type, err)
	}
	return m, nil
}

// Type implementations.
func (*Hello) Type() Type         { return TypeHello }
func (*Ping) Type() Type          { return TypePing }
func (*Ack) Type() Type           { return TypeAck }
func (*Order) Type() Type         { return TypeOrder }
func (*Withdraw) Type() Type      { return TypeWithdraw }
func (*PaymentResult) Type() Type { return TypePayment }
func (*Button) Type() Type        { return TypeButton }
func (*Card) Type() Type          { return TypeCard }
func (*Error) Type() Type         { return TypeError }

// Text field limits.
const (
	maxHelloName = 24
	maxSummary   = 40
	maxCode      = 20
	maxDetail    = 40
)

// appendText appends s cut to max bytes, each byte not printable ASCII
// replaced by '?'.
func appendText(p []byte, s string, max int) []byte {
	if len(s) > max {
		s = s[:max]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7E {
			c = '?'
		}
		p = append(p, c)
	}
	return p
}

func decodeText(p []byte, max int) (string, error) {
	if len(p) > max {
		return "", fmt.Errorf("%w: text longer than %d bytes", ErrBadPayload, max)
	}
	for _, c := range p {
		if c < 0x20 || c > 0x7E {
			return "", fmt.Errorf("%w: byte 0x%02x in text", ErrBadPayload, c)
		}
	}
	return string(p), nil
}

func wantLen(p []byte, n int) error {
	if len(p) != n {
		return fmt.Errorf("%w: %d bytes, want %d", ErrBadPayload, len(p), n)
	}
	return nil
}

func atLeast(p []byte, n int) error {
	if len(p) < n {
		return fmt.Errorf("%w: %d bytes, want at least %d", ErrBadPayload, len(p), n)
	}
	return nil
}

func (m *Hello) appendPayload(p []byte) []byte {
	p = append(p, m.Version, byte(m.Role))
	p = binary.BigEndian.AppendUint16(p, m.BootID)
	return appendText(p, m.Name, maxHelloName)
}

func (m *Hello) decodePayload(p []byte) (err error) {
	if err := atLeast(p, 4); err != nil {
		return err
	}
	m.Version, m.Role, m.BootID = p[0], Role(p[1]), binary.BigEndian.Uint16(p[2:])
	if m.Role != RoleHost && m.Role != RoleBox {
		return fmt.Errorf("%w: role 0x%02x", ErrBadPayload, p[1])
	}
	m.Name, err = decodeText(p[4:], maxHelloName)
	return err
}

func (m *Ping) appendPayload(p []byte) []byte { return p }
func (m *Ping) decodePayload(p []byte) error  { return wantLen(p, 0) }

func (m *Ack) appendPayload(p []byte) []byte { return append(p, byte(m.Status)) }
func (m *Ack) decodePayload(p []byte) error {
	if err := wantLen(p, 1); err != nil {
		return err
	}
	m.Status = AckStatus(p[0])
	if m.Status > AckRefused {
		return fmt.Errorf("%w: ack status %d", ErrBadPayload, p[0])
	}
	return nil
}

func (m *Order) appendPayload(p []byte) []byte {
	p = binary.BigEndian.AppendUint32(p, m.ID)
	p = binary.BigEndian.AppendUint16(p, m.Pickup)
	p = binary.BigEndian.AppendUint32(p, m.Total)
	p = append(p, m.Lines, byte(m.State))
	return appendText(p, m.Summary, maxSummary)
}

func (m *Order) decodePayload(p []byte) (err error) {
	if err := atLeast(p, 12); err != nil {
		return err
	}
	m.ID = binary.BigEndian.Uint32(p)
	m.Pickup = binary.BigEndian.Uint16(p[4:])
	m.Total = binary.BigEndian.Uint32(p[6:])
	m.Lines, m.State = p[10], OrderState(p[11])
	if m.ID == 0 {
		return fmt.Errorf("%w: order id 0", ErrBadPayload)
	}
	if m.State > OrderAccepted {
		return fmt.Errorf("%w: order state %d", ErrBadPayload, p[11])
	}
	m.Summary, err = decodeText(p[12:], maxSummary)
	return err
}

func (m *Withdraw) appendPayload(p []byte) []byte {
	return append(binary.BigEndian.AppendUint32(p, m.ID), byte(m.Reason))
}

func (m *Withdraw) decodePayload(p []byte) error {
	if err := wantLen(p, 5); err != nil {
		return err
	}
	m.ID, m.Reason = binary.BigEndian.Uint32(p), WithdrawReason(p[4])
	if m.ID == 0 || m.Reason < WithdrawCancelled || m.Reason > WithdrawDone {
		return fmt.Errorf("%w: withdraw %d reason %d", ErrBadPayload, m.ID, p[4])
	}
	return nil
}

func (m *PaymentResult) appendPayload(p []byte) []byte {
	p = binary.BigEndian.AppendUint32(p, m.OrderID)
	ok := byte(0)
	if m.Approved {
		ok = 1
	}
	return appendText(append(p, ok), m.Code, maxCode)
}

func (m *PaymentResult) decodePayload(p []byte) (err error) {
	if err := atLeast(p, 5); err != nil {
		return err
	}
	if p[4] > 1 {
		return fmt.Errorf("%w: approved %d", ErrBadPayload, p[4])
	}
	m.OrderID, m.Approved = binary.BigEndian.Uint32(p), p[4] == 1
	m.Code, err = decodeText(p[5:], maxCode)
	return err
}

func (m *Button) appendPayload(p []byte) []byte {
	p = append(p, byte(m.Button))
	return append(binary.BigEndian.AppendUint32(p, m.OrderID), m.ReadyInMinutes)
}

func (m *Button) decodePayload(p []byte) error {
	if err := wantLen(p, 6); err != nil {
		return err
	}
	m.Button, m.OrderID, m.ReadyInMinutes = ButtonKind(p[0]), binary.BigEndian.Uint32(p[1:]), p[5]
	if m.Button < ButtonAccept || m.Button > ButtonReady || m.OrderID == 0 {
		return fmt.Errorf("%w: button %d on order %d", ErrBadPayload, p[0], m.OrderID)
	}
	return nil
}

func (m *Card) appendPayload(p []byte) []byte {
	return append(binary.BigEndian.AppendUint32(p, m.OrderID), m.Token[:]...)
}

func (m *Card) decodePayload(p []byte) error {
	if err := wantLen(p, 4+CardTokenSize); err != nil {
		return err
	}
	m.OrderID = binary.BigEndian.Uint32(p)
	copy(m.Token[:], p[4:])
	return nil
}

func (m *Error) appendPayload(p []byte) []byte {
	return appendText(append(p, byte(m.Code)), m.Detail, maxDetail)
}

func (m *Error) decodePayload(p []byte) (err error) {
	if err := atLeast(p, 1); err != nil {
		return err
	}
	m.Code = ErrorCode(p[0])
	m.Detail, err = decodeText(p[1:], maxDetail)
	return err
}

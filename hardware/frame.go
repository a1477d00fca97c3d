package hardware

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Type is a frame's first byte: what the frame carries.
type Type byte

// The frame types. "host" is the bridge, "box" the firmware.
const (
	TypeHello    Type = 0x01 // both ways: protocol version, boot id, name
	TypePing     Type = 0x02 // both ways: liveness; answered by an Ack
	TypeAck      Type = 0x06 // both ways: acknowledges one sequenced frame
	TypeOrder    Type = 0x10 // host to box: show an order
	TypeWithdraw Type = 0x11 // host to box: an order was cancelled, accepted or finished elsewhere
	TypePayment  Type = 0x12 // host to box: the result of a card payment
	TypeButton   Type = 0x20 // box to host: accept, reject or ready pressed on an order
	TypeCard     Type = 0x21 // box to host: a card was tapped (opaque token)
	TypeError    Type = 0x7F // both ways: a problem the peer should know about
)

func (t Type) String() string {
	switch t {
	case TypeHello:
		return "hello"
	case TypePing:
		return "ping"
	case TypeAck:
		return "ack"
	case TypeOrder:
		return "order"
	case TypeWithdraw:
		return "withdraw"
	case TypePayment:
		return "payment"
	case TypeButton:
		return "button"
	case TypeCard:
		return "card"
	case TypeError:
		return "error"
	}
	return fmt.Sprintf("type(0x%02x)", byte(t))
}

// Sizes of a frame. A raw frame (type, seq, payload, CRC) is at most
// MaxRawFrame bytes; its COBS encoding plus the 0x00 delimiter at most
// MaxWireFrame. The firmware's receive buffer is MaxWireFrame bytes.
const (
	MaxPayload   = 60
	MaxRawFrame  = 2 + MaxPayload + 2
	MaxWireFrame = MaxRawFrame + 1 + 1
)

// Frame is one decoded frame. Seq is the sender's sequence number (1..255)
// for every type but Ack, whose Seq is the number it acknowledges.
type Frame struct {
	Type    Type
	Seq     uint8
	Payload []byte
}

// ErrPayloadTooLong is returned when a payload exceeds MaxPayload bytes.
var ErrPayloadTooLong = errors.New("hardware: payload longer than 60 bytes")

// AppendFrame appends f as it goes on the wire (COBS, then 0x00) to dst.
func AppendFrame(dst []byte, f Frame) ([]byte, error) {
	if len(f.Payload) > MaxPayload {
		return dst, ErrPayloadTooLong
	}
	var raw [MaxRawFrame]byte
	raw[0], raw[1] = byte(f.Type), f.Seq
	n := 2 + copy(raw[2:], f.Payload)
	crc := CRC16(raw[:n])
	raw[n], raw[n+1] = byte(crc>>8), byte(crc)
	dst = cobsEncode(dst, raw[:n+2])
	return append(dst, 0), nil
}

// WriteFrame writes f to w in one Write call.
func WriteFrame(w io.Writer, f Frame) error {
	buf, err := AppendFrame(make([]byte, 0, MaxWireFrame), f)
	if err != nil {
		return err
	}
	_, err = w.Write(buf)
	return err
}

// MalformedError is a frame that was received but cannot be used: bad COBS,
// too short, too long, or a CRC mismatch. Reading goes on with the next frame.
type MalformedError struct {
	Reason string
	Bytes  int // how many bytes were dropped
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("hardware: malformed frame (%s, %d bytes dropped)", e.Reason, e.Bytes)
}

// IsMalformed reports whether err is a *MalformedError: the stream is still
// usable and the caller should read on.
func IsMalformed(err error) bool {
	var m *MalformedError
	return errors.As(err, &m)
}

// DecodeFrame decodes one frame as it was between two 0x00 delimiters.
// Errors are *MalformedError.
func DecodeFrame(wire []byte) (Frame, error) {
	if len(wire) > MaxWireFrame-1 {
		return Frame{}, &MalformedError{Reason: "too long", Bytes: len(wire)}
	}
	var buf [MaxWireFrame]byte
	raw, err := cobsDecode(buf[:0], wire)
	if err != nil {
		return Frame{}, &MalformedError{Reason: "bad COBS", Bytes: len(wire)}
	}
	if len(raw) < 4 {
		return Frame{}, &MalformedError{Reason: "too short", Bytes: len(wire)}
	}
	if len(raw) > MaxRawFrame {
		return Frame{}, &MalformedError{Reason: "too long", Bytes: len(wire)}
	}
	n := len(raw) - 2
	if got, want := uint16(raw[n])<<8|uint16(raw[n+1]), CRC16(raw[:n]); got != want {
		return Frame{}, &MalformedError{Reason: "CRC mismatch", Bytes: len(wire)}
	}
	f := Frame{Type: Type(raw[0]), Seq: raw[1]}
	if n > 2 {
		f.Payload = append([]byte(nil), raw[2:n]...)
	}
	return f, nil
}

// Reader reads frames from a byte stream that may also carry garbage, line
// noise and truncated frames (a cable pulled mid-frame, a box that reset).
// Everything up to the next 0x00 belongs to one frame; a run of more than
// MaxWireFrame bytes without a delimiter is dropped as too long.
type Reader struct {
	r   *bufio.Reader
	buf []byte
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 256), buf: make([]byte, 0, MaxWireFrame)}
}

// ReadFrame returns the next frame. A *MalformedError (see IsMalformed) means
// one bad frame was dropped and reading may go on; any other error comes from
// the underlying reader (io.EOF when it ended between frames,
// io.ErrUnexpectedEOF when it ended inside one).
func (r *Reader) ReadFrame() (Frame, error) {
	overflow := 0
	for {
		b, err := r.r.ReadByte()
		if err != nil {
			if err == io.EOF && (len(r.buf) > 0 || overflow > 0) {
				r.buf = r.buf[:0]
				return Frame{}, io.ErrUnexpectedEOF
			}
			return Frame{}, err
		}
		if b != 0 {
			if overflow > 0 || len(r.buf) == MaxWireFrame-1 {
				overflow += len(r.buf) + 1
				r.buf = r.buf[:0]
				continue
			}
			r.buf = append(r.buf, b)
			continue
		}
		if overflow > 0 {
			return Frame{}, &MalformedError{Reason: "too long", Bytes: overflow}
		}
		if len(r.buf) == 0 {
			continue // an empty frame: delimiters may be sent to resynchronise
		}
		f, err := DecodeFrame(r.buf)
		r.buf = r.buf[:0]
		return f, err
	}
}

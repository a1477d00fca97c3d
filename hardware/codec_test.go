package hardware

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/frames.golden")

// goldenMessages are the frames of testdata/frames.golden, one of each kind
// (docs/pos-protocol.md shows the same bytes).
var goldenMessages = []struct {
	name string
	seq  uint8
	msg  Message
}{
	{"hello_box", 1, &Hello{Version: 1, Role: RoleBox, BootID: 0xBEEF, Name: "illuwa-pos/1"}},
	{"hello_host", 1, &Hello{Version: 1, Role: RoleHost, BootID: 0x1234, Name: "illuwa-bridge"}},
	{"ping", 7, &Ping{}},
	{"ack_ok", 7, &Ack{Status: AckOK}},
	{"ack_duplicate", 8, &Ack{Status: AckDuplicate}},
	{"ack_busy", 9, &Ack{Status: AckBusy}},
	{"order_new", 2, &Order{ID: 42, Pickup: 42, Total: 12000, Lines: 3, State: OrderNew, Summary: "2 tteokbokki, 1 sundae +1"}},
	{"order_accepted", 3, &Order{ID: 1000, Pickup: 0, Total: 4000, Lines: 1, State: OrderAccepted, Summary: "1 eomuk"}},
	{"withdraw_cancelled", 4, &Withdraw{ID: 42, Reason: WithdrawCancelled}},
	{"withdraw_accepted", 5, &Withdraw{ID: 42, Reason: WithdrawAccepted}},
	{"withdraw_done", 6, &Withdraw{ID: 42, Reason: WithdrawDone}},
	{"payment_approved", 10, &PaymentResult{OrderID: 42, Approved: true, Code: "DONE"}},
	{"payment_declined", 11, &PaymentResult{OrderID: 42, Approved: false, Code: "REJECT_CARD_COMPANY"}},
	{"button_accept", 2, &Button{Button: ButtonAccept, OrderID: 42, ReadyInMinutes: 10}},
	{"button_reject", 3, &Button{Button: ButtonReject, OrderID: 42}},
	{"button_ready", 4, &Button{Button: ButtonReady, OrderID: 42}},
	{"card", 5, &Card{OrderID: 42, Token: CardToken(DefaultCardKey, []byte{0xDE, 0xAD, 0xBE, 0xEF})}},
	{"error_malformed", 6, &Error{Code: ErrMalformed, Detail: "3"}},
	{"zeros", 0, &Order{ID: 0x01000000, Pickup: 0, Total: 0x00000100, Lines: 0, State: OrderNew}},
}

func TestGoldenFrames(t *testing.T) {
	var out strings.Builder
	out.WriteString("# name: frame as sent on the wire (COBS, then 0x00), hex. Regenerate: go test ./hardware -run TestGoldenFrames -update\n")
	for _, g := range goldenMessages {
		wire, err := AppendFrame(nil, Encode(g.msg, g.seq))
		if err != nil {
			t.Fatalf("%s: %v", g.name, err)
		}
		fmt.Fprintf(&out, "%s: %s\n", g.name, hex.EncodeToString(wire))
	}
	path := "testdata/frames.golden"
	if *update {
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Fatalf("frames differ from %s (run with -update if the change is meant):\n%s", path, out.String())
	}
	// And every golden frame decodes back to its message.
	for i, line := range strings.Split(strings.TrimSpace(string(want)), "\n")[1:] {
		name, hx, _ := strings.Cut(line, ": ")
		wire, err := hex.DecodeString(hx)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.IndexByte(wire[:len(wire)-1], 0) >= 0 || wire[len(wire)-1] != 0 {
			t.Fatalf("%s: a 0x00 inside the frame or none at its end", name)
		}
		f, err := NewReader(bytes.NewReader(wire)).ReadFrame()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m, err := Decode(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		g := goldenMessages[i]
		if f.Seq != g.seq || !reflect.DeepEqual(m, g.msg) {
			t.Fatalf("%s: decoded seq %d %#v, want %d %#v", name, f.Seq, m, g.seq, g.msg)
		}
	}
}

func TestCRC16(t *testing.T) {
	if got := CRC16([]byte("123456789")); got != 0x29B1 {
		t.Fatalf("CRC16 check value %#04x, want 0x29b1", got)
	}
}

func TestCardToken(t *testing.T) {
	// The SipHash-2-4 reference vector: key 00..0f, message 00..0e (15 bytes).
	var key [16]byte
	msg := make([]byte, 15)
	for i := range key {
		key[i] = byte(i)
	}
	for i := range msg {
		msg[i] = byte(i)
	}
	if got := CardToken(key, msg); hex.EncodeToString(got[:]) != "e545be4961ca29a1" {
		t.Fatalf("SipHash vector: %x", got)
	}
	a, b := CardToken(DefaultCardKey, []byte{1, 2, 3, 4}), CardToken(DefaultCardKey, []byte{1, 2, 3, 5})
	if a == b || bytes.Contains(a[:], []byte{1, 2, 3, 4}) {
		t.Fatalf("tokens %x %x", a, b)
	}
}

func TestCOBS(t *testing.T) {
	for _, n := range []int{0, 1, 2, 253, 254, 255, 256, 508, 600} {
		for _, fill := range []byte{0, 1, 0xFF} {
			src := bytes.Repeat([]byte{fill}, n)
			if n > 3 {
				src[n/2] = 0
			}
			enc := cobsEncode(nil, src)
			if bytes.IndexByte(enc, 0) >= 0 {
				t.Fatalf("n=%d fill=%d: a zero in the encoding", n, fill)
			}
			if len(enc) > n+n/254+1 {
				t.Fatalf("n=%d: %d bytes encoded", n, len(enc))
			}
			dec, err := cobsDecode(nil, enc)
			if err != nil || !bytes.Equal(dec, src) {
				t.Fatalf("n=%d fill=%d: round trip %v", n, fill, err)
			}
		}
	}
	for _, bad := range [][]byte{{0}, {5, 1}, {2, 0}, {3, 1, 0}} {
		if _, err := cobsDecode(nil, bad); err == nil {
			t.Fatalf("%x decoded", bad)
		}
	}
}

// TestReaderSurvivesGarbage: noise, truncated frames, bit flips and
// overlong runs are dropped and counted; every intact frame gets through.
func TestReaderSurvivesGarbage(t *testing.T) {
	var stream bytes.Buffer
	good := func(id uint32) {
		wire, _ := AppendFrame(nil, Encode(&Order{ID: id, Pickup: uint16(id), Total: 1000, Lines: 1, Summary: "1 eomuk"}, uint8(id)))
		stream.Write(wire)
	}
	good(1)
	stream.Write([]byte("garbage line\r\n\x00"))
	wire, _ := AppendFrame(nil, Encode(&Ping{}, 9))
	stream.Write(wire[:len(wire)-3]) // truncated: the next frame's delimiter ends it
	stream.WriteByte(0)
	good(2)
	flipped, _ := AppendFrame(nil, Encode(&Ping{}, 10))
	flipped[2] ^= 0x10
	stream.Write(flipped)
	stream.Write(bytes.Repeat([]byte{0x55}, 500))
	stream.WriteByte(0)
	stream.Write([]byte{0, 0, 0})
	good(3)
	stream.Write(wire[:3]) // and a truncated frame at the very end

	rd := NewReader(&stream)
	var ids []uint32
	malformed := 0
	for {
		f, err := rd.ReadFrame()
		if IsMalformed(err) {
			malformed++
			continue
		}
		if err != nil {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("end: %v", err)
			}
			break
		}
		m, err := Decode(f)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		ids = append(ids, m.(*Order).ID)
	}
	if !reflect.DeepEqual(ids, []uint32{1, 2, 3}) || malformed != 4 {
		t.Fatalf("ids %v, malformed %d (want 1 2 3 and 4)", ids, malformed)
	}
}

func TestDecodeRefusesBadPayloads(t *testing.T) {
	for name, f := range map[string]Frame{
		"unknown type":      {Type: 0x55, Seq: 1},
		"short order":       {Type: TypeOrder, Seq: 1, Payload: []byte{0, 0, 0, 1}},
		"order id 0":        {Type: TypeOrder, Seq: 1, Payload: make([]byte, 12)},
		"control in text":   {Type: TypeOrder, Seq: 1, Payload: append([]byte{0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 1, 0}, '\n')},
		"ping with payload": {Type: TypePing, Seq: 1, Payload: []byte{1}},
		"bad role":          {Type: TypeHello, Seq: 1, Payload: []byte{1, 'X', 0, 0}},
		"button 9":          {Type: TypeButton, Seq: 1, Payload: []byte{9, 0, 0, 0, 1, 0}},
		"withdraw reason 0": {Type: TypeWithdraw, Seq: 1, Payload: []byte{0, 0, 0, 1, 0}},
		"card short":        {Type: TypeCard, Seq: 1, Payload: []byte{0, 0, 0, 1}},
		"ack status 7":      {Type: TypeAck, Seq: 1, Payload: []byte{7}},
	} {
		if m, err := Decode(f); err == nil {
			t.Errorf("%s: decoded %#v", name, m)
		}
	}
	if _, err := AppendFrame(nil, Frame{Type: TypeOrder, Payload: make([]byte, MaxPayload+1)}); !errors.Is(err, ErrPayloadTooLong) {
		t.Fatalf("overlong payload: %v", err)
	}
	// Text is cut and made printable when encoding, never refused.
	f := Encode(&Order{ID: 1, Summary: strings.Repeat("가", 30)}, 1)
	m, err := Decode(f)
	if err != nil || len(m.(*Order).Summary) != maxSummary || strings.Trim(m.(*Order).Summary, "?") != "" {
		t.Fatalf("non-ASCII summary: %#v %v", m, err)
	}
}

// FuzzReadFrame feeds arbitrary bytes to the reader and the decoder: nothing
// panics, every frame that decodes encodes back to the same bytes, and a
// message that decodes encodes back to the same payload.
func FuzzReadFrame(f *testing.F) {
	for _, g := range goldenMessages {
		wire, _ := AppendFrame(nil, Encode(g.msg, g.seq))
		f.Add(wire)
	}
	f.Add([]byte{0, 0, 0})
	f.Add(bytes.Repeat([]byte{0xFF}, 300))
	f.Add([]byte("\x03\x10\x01\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd := NewReader(bytes.NewReader(data))
		for i := 0; i < 1000; i++ {
			fr, err := rd.ReadFrame()
			if IsMalformed(err) {
				continue
			}
			if err != nil {
				return
			}
			if len(fr.Payload) > MaxPayload {
				t.Fatalf("payload of %d bytes", len(fr.Payload))
			}
			again, err := AppendFrame(nil, fr)
			if err != nil {
				t.Fatal(err)
			}
			back, err := DecodeFrame(again[:len(again)-1])
			if err != nil || back.Type != fr.Type || back.Seq != fr.Seq || !bytes.Equal(back.Payload, fr.Payload) {
				t.Fatalf("re-encoded frame differs: %v", err)
			}
			m, err := Decode(fr)
			if err != nil {
				continue
			}
			if got := Encode(m, fr.Seq); !bytes.Equal(got.Payload, fr.Payload) {
				t.Fatalf("%v: payload %x re-encodes as %x", fr.Type, fr.Payload, got.Payload)
			}
		}
	})
}

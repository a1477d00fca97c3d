package realtime

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestMessagesLargerThanReadBuffer checks that the small per-connection read
// buffer (readBufferSize) limits nothing: a watch message several times its
// size is read whole and answered, and a ping with the largest control
// payload the protocol allows gets its pong with the same payload.
func TestMessagesLargerThanReadBuffer(t *testing.T) {
	e := newEnv(t, Options{}, nil, nil)
	c := e.dial(t, "")

	ref := strings.Repeat("r", 60)
	pad := strings.Repeat(" ", 6*readBufferSize) // JSON whitespace: the message is 6× the buffer
	msg := fmt.Sprintf(`{"type":"watch",%s"lat":%v,"lng":%v,"radius_m":1000,"ref":%q}`, pad, centerLat, centerLng, ref)
	if len(msg) <= 4*readBufferSize {
		t.Fatalf("message of %d bytes is not larger than the read buffer", len(msg))
	}
	c.sendRaw(websocket.TextMessage, []byte(msg))
	snap := c.expect(TypeSnapshot)
	if snap["ref"] != ref {
		t.Errorf("snapshot ref = %v, want %q", snap["ref"], ref)
	}

	payload := bytes.Repeat([]byte{'p'}, 125) // the largest control payload (RFC 6455 §5.5)
	pong := make(chan string, 1)
	c.ws.SetPongHandler(func(data string) error { pong <- data; return nil })
	if err := c.ws.WriteControl(websocket.PingMessage, payload, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	go func() { _, _, _ = c.ws.ReadMessage() }() // the pong handler runs inside a read
	select {
	case got := <-pong:
		if got != string(payload) {
			t.Errorf("pong payload %q, want %q", got, payload)
		}
	case <-waitLong():
		t.Fatal("no pong")
	}
}

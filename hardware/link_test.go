package hardware

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// lossy drops every nth Write (one Write is one frame) and can corrupt one.
type lossy struct {
	net.Conn
	mu    sync.Mutex
	n, i  int
	flipN int // flip a bit in the flipN-th write (0: never)
}

func (l *lossy) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.i++
	i := l.i
	l.mu.Unlock()
	if l.n > 0 && i%l.n == 0 {
		return len(p), nil
	}
	if i == l.flipN {
		q := append([]byte(nil), p...)
		q[1] ^= 0x04
		return l.Conn.Write(q)
	}
	return l.Conn.Write(p)
}

func linkPair(t *testing.T, dropA, dropB int) (a, b *Link, ca, cb net.Conn) {
	t.Helper()
	ca, cb = net.Pipe()
	t.Cleanup(func() { ca.Close(); cb.Close() })
	opt := LinkOptions{Timeout: 20 * time.Millisecond, Retries: 20}
	a = NewLink(&lossy{Conn: ca, n: dropA, flipN: 5}, opt)
	b = NewLink(&lossy{Conn: cb, n: dropB}, opt)
	return a, b, ca, cb
}

// TestLinkDeliversOnceOverALossyLine: with every 3rd frame lost one way and
// every 4th the other (acks included) and one frame corrupted, each message
// arrives exactly once and in order, and the sender learns the receiver's
// status.
func TestLinkDeliversOnceOverALossyLine(t *testing.T) {
	a, b, _, _ := linkPair(t, 3, 4)
	var got []uint32
	var mu sync.Mutex
	go a.Run(func(Message) AckStatus { return AckOK })
	go b.Run(func(m Message) AckStatus {
		mu.Lock()
		defer mu.Unlock()
		o := m.(*Order)
		for _, id := range got {
			if id == o.ID {
				return AckDuplicate
			}
		}
		got = append(got, o.ID)
		if o.ID%10 == 0 {
			return AckBusy
		}
		return AckOK
	})
	ctx := context.Background()
	for id := uint32(1); id <= 60; id++ {
		st, err := a.Send(ctx, &Order{ID: id, Total: 1000, Summary: "x"})
		if err != nil {
			t.Fatalf("order %d: %v", id, err)
		}
		if want := map[bool]AckStatus{true: AckBusy, false: AckOK}[id%10 == 0]; st != want {
			t.Fatalf("order %d: status %v, want %v", id, st, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 60 {
		t.Fatalf("received %d orders: %v", len(got), got)
	}
	for i, id := range got {
		if id != uint32(i+1) {
			t.Fatalf("out of order: %v", got)
		}
	}
	sa, sb := a.Stats(), b.Stats()
	if sa.Retransmits == 0 || sb.Duplicates == 0 || sb.Malformed == 0 {
		t.Fatalf("the faults did not happen: a %+v b %+v", sa, sb)
	}
	t.Logf("sender %+v receiver %+v", sa, sb)
}

func TestLinkRefusesUnknownFramesAndGivesUp(t *testing.T) {
	ca, cb := net.Pipe()
	defer ca.Close()
	defer cb.Close()
	a := NewLink(ca, LinkOptions{Timeout: 10 * time.Millisecond, Retries: 2})
	b := NewLink(cb, LinkOptions{})
	go a.Run(func(Message) AckStatus { return AckOK })
	go b.Run(func(Message) AckStatus { t.Error("handler called for a refused frame"); return AckOK })
	// A frame type b does not know is acknowledged as refused.
	ctx := context.Background()
	if st, err := a.Send(ctx, &unknownMsg{}); err != nil || st != AckRefused {
		t.Fatalf("unknown type: %v %v", st, err)
	}
	if b.Stats().Refused != 1 {
		t.Fatalf("stats %+v", b.Stats())
	}
	// A peer that never answers: ErrNoAck after the retries.
	cc, cd := net.Pipe()
	defer cc.Close()
	go io.Copy(io.Discard, cd)
	c := NewLink(cc, LinkOptions{Timeout: 5 * time.Millisecond, Retries: 3})
	go c.Run(func(Message) AckStatus { return AckOK })
	if _, err := c.Send(ctx, &Ping{}); !errors.Is(err, ErrNoAck) || c.Stats().Retransmits != 3 {
		t.Fatalf("silent peer: %v %+v", err, c.Stats())
	}
	// A closed stream ends Run, and Send says so.
	cd.Close()
	<-c.Done()
	if _, err := c.Send(ctx, &Ping{}); err == nil {
		t.Fatal("Send on a closed link succeeded")
	}
}

// unknownMsg is a message of a type the protocol does not have.
type unknownMsg struct{}

func (*unknownMsg) Type() Type                    { return 0x44 }
func (*unknownMsg) appendPayload(p []byte) []byte { return p }
func (*unknownMsg) decodePayload([]byte) error    { return nil }

package hardware

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Handler is called by Link.Run for each new message from the peer, in order,
// and its answer goes back in the Ack. A frame repeated by the peer (same
// sequence number as the last one) is acknowledged again with the same status
// and not handed to the Handler. The Handler must not call Send (Run is the
// one reading the Acks Send waits for): queue the work instead.
type Handler func(m Message) AckStatus

// LinkOptions tune a Link.
type LinkOptions struct {
	Timeout time.Duration // wait this long for an Ack before sending again (default 300 ms)
	Retries int           // then give up after this many repeats (default 8)
}

// LinkStats count what a Link saw.
type LinkStats struct {
	Sent        uint64 // frames sent by Send (first attempts)
	Retransmits uint64 // repeats after a timeout
	Received    uint64 // new frames handed to the Handler
	Duplicates  uint64 // repeated frames acknowledged again and dropped
	Malformed   uint64 // frames dropped for bad COBS, length or CRC
	Refused     uint64 // well-formed frames of an unknown type or a bad payload
}

// Errors from Send.
var (
	ErrNoAck      = errors.New("hardware: no acknowledgement from the peer")
	ErrLinkClosed = errors.New("hardware: link closed")
)

// Link is a reliable session over a byte stream (a serial port): Send is
// stop-and-wait (one frame in flight, repeated after Timeout until it is
// acknowledged), and Run reads the peer's frames, acknowledges them and drops
// repeats by sequence number. Hello resets what the receiver remembers of
// the sender's sequence numbers.
type Link struct {
	rw  io.ReadWriter
	opt LinkOptions

	wmu sync.Mutex // one frame written at a time
	smu sync.Mutex // one Send in flight
	seq uint8

	acks chan Frame
	done chan struct{}
	once sync.Once

	sent, retransmits, received, duplicates, malformed, refused atomic.Uint64
}

// NewLink returns a Link over rw. Call Run to read.
func NewLink(rw io.ReadWriter, opt LinkOptions) *Link {
	if opt.Timeout <= 0 {
		opt.Timeout = 300 * time.Millisecond
	}
	if opt.Retries <= 0 {
		opt.Retries = 8
	}
	return &Link{rw: rw, opt: opt, acks: make(chan Frame, 8), done: make(chan struct{})}
}

// Stats returns the counters so far.
func (l *Link) Stats() LinkStats {
	return LinkStats{Sent: l.sent.Load(), Retransmits: l.retransmits.Load(), Received: l.received.Load(),
		Duplicates: l.duplicates.Load(), Malformed: l.malformed.Load(), Refused: l.refused.Load()}
}

// Done is closed when Run has returned.
func (l *Link) Done() <-chan struct{} { return l.done }

// Run reads frames until the stream fails (close the stream to stop it) and
// returns that error. Each new sequenced frame goes to h, then its Ack is
// written; Acks are matched with the Send waiting for them.
func (l *Link) Run(h Handler) error {
	defer l.once.Do(func() { close(l.done) })
	rd := NewReader(l.rw)
	last, haveLast := uint8(0), false
	var lastStatus AckStatus
	for {
		f, err := rd.ReadFrame()
		if err != nil {
			if IsMalformed(err) {
				l.malformed.Add(1)
				continue
			}
			return err
		}
		if f.Type == TypeAck {
			select {
			case l.acks <- f:
			default: // nobody is waiting for this many: a stale ack
			}
			continue
		}
		if f.Type == TypeHello {
			haveLast = false
		}
		if haveLast && f.Seq == last {
			l.duplicates.Add(1)
			if err := l.ack(f.Seq, lastStatus); err != nil {
				return err
			}
			continue
		}
		status := AckRefused
		if m, err := Decode(f); err == nil {
			l.received.Add(1)
			status = h(m)
		} else {
			l.refused.Add(1)
		}
		last, haveLast, lastStatus = f.Seq, true, status
		if err := l.ack(f.Seq, status); err != nil {
			return err
		}
	}
}

func (l *Link) ack(seq uint8, status AckStatus) error {
	return l.write(Encode(&Ack{Status: status}, seq))
}

func (l *Link) write(f Frame) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	return WriteFrame(l.rw, f)
}

// WriteRaw writes bytes as they are, between frames: for tests that inject
// line noise.
func (l *Link) WriteRaw(p []byte) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	_, err := l.rw.Write(p)
	return err
}

// Send sends m and waits for the peer's Ack, repeating the frame after each
// Timeout up to Retries times. It returns the peer's status, ErrNoAck when
// every attempt went unanswered, ErrLinkClosed when Run has ended, or the
// context's error. One Send runs at a time; others wait their turn.
func (l *Link) Send(ctx context.Context, m Message) (AckStatus, error) {
	l.smu.Lock()
	defer l.smu.Unlock()
	l.seq++
	if l.seq == 0 {
		l.seq = 1
	}
	f := Encode(m, l.seq)
	l.sent.Add(1)
	t := time.NewTimer(l.opt.Timeout)
	defer t.Stop()
	for attempt := 0; attempt <= l.opt.Retries; attempt++ {
		if attempt > 0 {
			l.retransmits.Add(1)
			t.Reset(l.opt.Timeout)
		}
		if err := l.write(f); err != nil {
			return 0, err
		}
	wait:
		for {
			select {
			case a := <-l.acks:
				if a.Seq != f.Seq {
					continue // the late ack of an earlier frame
				}
				var ack Ack
				if err := ack.decodePayload(a.Payload); err != nil {
					return AckRefused, nil
				}
				return ack.Status, nil
			case <-t.C:
				break wait
			case <-l.done:
				return 0, ErrLinkClosed
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
	}
	return 0, ErrNoAck
}

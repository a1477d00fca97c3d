package realtime

import (
	"context"
	"errors"
	"sync"
)

// ErrStreamsOff is returned by OpenStream when the hub is shutting down or
// has no broker.
var ErrStreamsOff = errors.New("realtime: the hub takes no streams now")

// Stream is an in-process connection to the hub, for ways in that are not
// this package's WebSocket (GraphQL subscriptions): it gets exactly what a
// WebSocket connection of the same user gets, as the same JSON messages —
// the user's pushes (order.created, order.updated, notification) and, once
// Watch is called, a snapshot then the map events of the circle, filtered by
// the same rules. Like a connection it has a bounded queue: a consumer that
// falls SendQueue messages behind loses the stream (Messages is closed).
// Logging out the session it was opened with ends it too.
type Stream struct {
	c    *conn
	out  chan []byte
	stop chan struct{}
	once sync.Once
}

// OpenStream opens a stream for who (UserID 0: anonymous, map events only).
// It lasts until Close, ctx's end or the hub's shutdown.
func (h *Hub) OpenStream(ctx context.Context, who Identity) (*Stream, error) {
	h.mu.RLock()
	refuse := h.closing || h.broker == nil
	h.mu.RUnlock()
	if refuse {
		return nil, ErrStreamsOff
	}
	s := &Stream{out: make(chan []byte), stop: make(chan struct{})}
	s.c = &conn{hub: h, who: who, stream: s}
	if !h.register(s.c) {
		return nil, ErrStreamsOff
	}
	if s.c.userTopic != "" {
		if err := h.syncTopics(ctx, []string{s.c.userTopic}); err != nil {
			s.Close()
			return nil, err
		}
	}
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.stop:
		}
	}()
	return s, nil
}

// Messages delivers the stream's messages in order. It is never closed:
// wait on Done too.
func (s *Stream) Messages() <-chan []byte { return s.out }

// Done is closed when the stream has ended, by Close, its context, the
// hub's shutdown, a logout or a consumer too slow for the queue.
func (s *Stream) Done() <-chan struct{} { return s.stop }

// Watch starts (or moves) the stream's watch, as the "watch" message does:
// a snapshot of the circle, then its events. The circle must be valid
// (lat -90..90, lng -180..180, radius MinRadiusM..MaxRadiusM).
func (s *Stream) Watch(ctx context.Context, lat, lng, radiusM float64) error {
	if !validCoord(lat, lng) || !(radiusM >= MinRadiusM && radiusM <= MaxRadiusM) {
		return errors.New("realtime: watch needs lat -90..90, lng -180..180 and radius_m 1..5000")
	}
	s.c.hub.watch(ctx, s.c, lat, lng, radiusM, "")
	return nil
}

// Close ends the stream and drops what is queued. Calling it again is fine.
func (s *Stream) Close() {
	s.once.Do(func() {
		close(s.stop)
		s.c.hub.unregister(s.c)
	})
}

// deliver hands b to the consumer unless the stream has stopped.
func (s *Stream) deliver(b []byte) {
	select {
	case s.out <- b:
	case <-s.stop:
	}
}

// streamWriteLoop is writeLoop for a stream: it hands queued messages to
// the consumer (pings are not for it) and, once the stream is closing,
// unregisters it and closes Messages.
func (c *conn) streamWriteLoop() {
	defer c.hub.wg.Done()
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.writing = false
			c.queue = nil
			closing := c.closing
			c.mu.Unlock()
			if closing {
				c.stream.end()
			}
			return
		}
		b := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		c.shrunkLocked(len(c.queue) + 1)
		c.mu.Unlock()
		if b != nil {
			c.stream.deliver(b)
			c.hub.metrics.sent.Inc()
		}
	}
}

// end finishes a stream the hub closed (shutdown, slow consumer, logout).
// It runs on the writer goroutine, which holds no lock here.
func (s *Stream) end() { s.Close() }

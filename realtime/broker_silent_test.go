package realtime

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// freezeProxy forwards TCP connections to a backend; freeze makes every
// connection open at that moment silent (traffic swallowed both ways)
// without closing it, like a half-open connection.
type freezeProxy struct {
	ln      net.Listener
	backend string
	mu      sync.Mutex
	conns   []*proxied
	wg      sync.WaitGroup
}

type proxied struct {
	client, server net.Conn
	mu             sync.Mutex
	frozen         bool
}

func newFreezeProxy(t *testing.T, backend string) *freezeProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezeProxy{ln: ln, backend: backend}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			_ = c.client.Close()
			_ = c.server.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *freezeProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.backend)
		if err != nil {
			_ = c.Close()
			continue
		}
		pc := &proxied{client: c, server: s}
		p.mu.Lock()
		p.conns = append(p.conns, pc)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(pc, c, s)
		go p.pipe(pc, s, c)
	}
}

func (p *freezeProxy) pipe(pc *proxied, from, to net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			pc.mu.Lock()
			frozen := pc.frozen
			pc.mu.Unlock()
			if !frozen {
				if _, werr := to.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			_ = to.Close()
			return
		}
	}
}

func (p *freezeProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.mu.Lock()
		c.frozen = true
		c.mu.Unlock()
	}
}

func TestRedisBrokerReplacesSilentConnection(t *testing.T) {
	direct := mustRedis(t, randomName("illuwa-test-"))
	addr := testRedisOptions(t).Addr
	proxy := newFreezeProxy(t, addr)
	viaProxy := redis.NewClient(&redis.Options{Addr: proxy.ln.Addr().String()})
	t.Cleanup(func() { _ = viaProxy.Close() })
	prefix := randomName("illuwa-test-") + ":"
	r := newRecorder()
	b, err := newRedisBroker(viaProxy, prefix, r, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	ctx := context.Background()
	if err := b.Subscribe(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := direct.Publish(ctx, prefix+"a", "before").Err(); err != nil {
		t.Fatal(err)
	}
	if got := r.next(t); got.payload != "before" {
		t.Fatalf("got %+v", got)
	}
	proxy.freeze()
	select {
	case <-r.resyncs:
	case <-waitLong():
		t.Fatal("no Resync after the connection went silent")
	}
	if err := direct.Publish(ctx, prefix+"a", "after").Err(); err != nil {
		t.Fatal(err)
	}
	if got := r.next(t); got.payload != "after" {
		t.Fatalf("got %+v, want delivery on the new connection", got)
	}
}

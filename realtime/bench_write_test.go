package realtime

import (
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// onlyConnB returns one connection of h (the benchmark has one).
func onlyConnB(h *Hub) *conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.conns {
		return c
	}
	return nil
}

// BenchmarkWriteQueued measures the writer: burst messages of 200 bytes
// queued at once on one connection, read by a gorilla client over
// loopback TCP (the client's reading is in the time too). Reported per
// message.
func BenchmarkWriteQueued(b *testing.B) {
	for _, burst := range []int{1, 8, 64} {
		b.Run("burst="+strconv.Itoa(burst), func(b *testing.B) {
			e := newEnv(b, Options{SendQueue: 1024}, nil, nil)
			ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/ws", nil)
			if err != nil {
				b.Fatal(err)
			}
			defer ws.Close()
			if _, _, err := ws.ReadMessage(); err != nil { // hello
				b.Fatal(err)
			}
			waitFor(b, "the writer to be idle", func() bool {
				c := onlyConnB(e.hub)
				c.mu.Lock()
				defer c.mu.Unlock()
				return !c.writing
			})
			c := onlyConnB(e.hub)
			msgs := make([][]byte, burst)
			for i := range msgs {
				msgs[i] = []byte(`{"type":"pocha.moved","id":` + strconv.Itoa(i) + `,"name":"` + strings.Repeat("x", 150) + `"}`)
			}

			b.ReportAllocs()
			b.ResetTimer()
			for n := 0; n < b.N; n += burst {
				c.mu.Lock()
				for _, m := range msgs {
					c.enqueueLocked(m)
				}
				c.mu.Unlock()
				for range burst {
					if _, _, err := ws.ReadMessage(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
		})
	}
}

package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/gorilla/websocket"
	"golang.org/x/sys/unix"

	"github.com/illuwa/illuwa/hardware"
)

// fakeServer is the part of an illuwa server the bridge uses: /ws with
// order pushes, the order list, and the owner's order actions.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	orders  map[uint64]*order
	conns   []*websocket.Conn
	acks    []uint64
	cards   []map[string]any
	actions []string
	next    uint64
}

func newFakeServer(t *testing.T) *fakeServer {
	s := &fakeServer{t: t, orders: map[uint64]*order{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.ws)
	mux.HandleFunc("GET /api/v1/orders", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		items := []*order{}
		for _, o := range s.orders {
			if o.Status == r.URL.Query().Get("status") {
				items = append(items, o)
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"items": items})
	})
	mux.HandleFunc("GET /api/v1/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseUint(r.PathValue("id"), 10, 64)
		s.mu.Lock()
		defer s.mu.Unlock()
		o := s.orders[id]
		if o == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		json.NewEncoder(w).Encode(o)
	})
	mux.HandleFunc("POST /api/v1/orders/{id}/{action}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseUint(r.PathValue("id"), 10, 64)
		action := r.PathValue("action")
		s.mu.Lock()
		defer s.mu.Unlock()
		o := s.orders[id]
		s.actions = append(s.actions, fmt.Sprintf("%s %d", action, id))
		to := map[string]string{"accept": "accepted", "reject": "cancelled", "ready": "ready"}[action]
		from := map[string]string{"accept": "paid", "reject": "paid", "ready": "accepted"}[action]
		if o == nil || o.Status != from {
			w.WriteHeader(http.StatusConflict)
			return
		}
		o.Status = to
		s.pushLocked("order.updated", o)
		json.NewEncoder(w).Encode(o)
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *fakeServer) ws(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer owner-token" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	c.WriteJSON(map[string]any{"type": "hello", "user_id": 1, "role": "owner"})
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	for {
		var msg map[string]any
		if err := c.ReadJSON(&msg); err != nil {
			return
		}
		s.mu.Lock()
		switch msg["type"] {
		case "ack":
			s.acks = append(s.acks, uint64(msg["order_id"].(float64)))
		case "card":
			s.cards = append(s.cards, msg)
		}
		s.mu.Unlock()
	}
}

func (s *fakeServer) pushLocked(typ string, o *order) {
	for _, c := range s.conns {
		c.WriteJSON(map[string]any{"type": typ, "order": o})
	}
}

// pay makes a paid order and pushes it.
func (s *fakeServer) pay() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	o := &order{ID: s.next, PochaID: 12, Status: "paid", Total: 4000 * int64(s.next)}
	o.Items = append(o.Items, struct {
		Name      string `json:"name"`
		Quantity  int    `json:"quantity"`
		LineTotal int64  `json:"line_total"`
	}{"떡볶이", int(s.next), 4000 * int64(s.next)})
	s.orders[o.ID] = o
	s.pushLocked("order.created", o)
	return o.ID
}

// cancelQuietly cancels an order without a push, as when the push was lost
// with the server's broker.
func (s *fakeServer) cancelQuietly(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[id].Status = "cancelled"
}

// resync sends orders.resync on every WebSocket, as the server does after
// its broker came back.
func (s *fakeServer) resync() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.WriteJSON(map[string]any{"type": "orders.resync"})
	}
}

// dropConnections cuts every WebSocket, as a network failure does.
func (s *fakeServer) dropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.NetConn().Close()
	}
	s.conns = nil
}

func (s *fakeServer) snapshot() (acks []uint64, actions []string, cards int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint64(nil), s.acks...), append([]string(nil), s.actions...), len(s.cards)
}

// fakeBox is a POS box written in Go on the master side of a pty, with the
// firmware's rules: an order id is shown once, withdrawals are remembered.
type fakeBox struct {
	t    *testing.T
	path string // a symlink to the current pty, as the bridge's --port

	mu        sync.Mutex
	master    *os.File
	slave     *os.File
	link      *hardware.Link
	seen      map[uint32]bool
	shown     []uint32
	withdrawn []hardware.Withdraw
	hellos    int
}

func newFakeBox(t *testing.T) *fakeBox {
	b := &fakeBox{t: t, path: filepath.Join(t.TempDir(), "ttyPOS"), seen: map[uint32]bool{}}
	b.plug()
	t.Cleanup(b.unplug)
	return b
}

// rawPty opens a pty whose slave is in raw mode from the start.
func rawPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	if err := unix.IoctlSetTermios(int(slave.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	return master, slave
}

// plug makes a new pty behind path and boots the box on it (it says Hello).
func (b *fakeBox) plug() {
	master, slave := rawPty(b.t)
	tmp := b.path + ".tmp"
	os.Remove(tmp)
	if err := os.Symlink(slave.Name(), tmp); err != nil {
		b.t.Fatal(err)
	}
	if err := os.Rename(tmp, b.path); err != nil {
		b.t.Fatal(err)
	}
	link := hardware.NewLink(master, hardware.LinkOptions{Timeout: 100 * time.Millisecond, Retries: 50})
	b.mu.Lock()
	b.master, b.slave, b.link = master, slave, link
	b.mu.Unlock()
	go link.Run(b.handle)
	go link.Send(context.Background(), &hardware.Hello{Version: hardware.ProtocolVersion, Role: hardware.RoleBox, BootID: 1, Name: "fake-box"})
}

// unplug closes the pty, as a pulled cable.
func (b *fakeBox) unplug() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.master != nil {
		b.master.Close()
		b.slave.Close()
		b.master = nil
	}
}

func (b *fakeBox) handle(m hardware.Message) hardware.AckStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch m := m.(type) {
	case *hardware.Hello:
		b.hellos++
	case *hardware.Order:
		if b.seen[m.ID] {
			return hardware.AckDuplicate
		}
		b.seen[m.ID] = true
		b.shown = append(b.shown, m.ID)
	case *hardware.Withdraw:
		b.withdrawn = append(b.withdrawn, *m)
		if m.Reason != hardware.WithdrawAccepted {
			b.seen[m.ID] = true
		}
	}
	return hardware.AckOK
}

func (b *fakeBox) send(m hardware.Message) {
	b.t.Helper()
	b.mu.Lock()
	link := b.link
	b.mu.Unlock()
	if st, err := link.Send(context.Background(), m); err != nil || st != hardware.AckOK {
		b.t.Fatalf("box send %T: %v %v", m, st, err)
	}
}

func (b *fakeBox) garbage(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.link.WriteRaw(p)
}

func (b *fakeBox) shownIDs() []uint32 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]uint32(nil), b.shown...)
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func joinIDs(ids []uint32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	return strings.Join(s, " ")
}

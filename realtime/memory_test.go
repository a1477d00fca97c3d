package realtime

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestIdleConnectionMemory measures the server memory of idle watcher
// connections. The clients run in a child process so that only the
// server's side is counted. It runs only when asked:
//
//	ILLUWA_MEMTEST=10000 go test -run TestIdleConnectionMemory -v ./realtime/
func TestIdleConnectionMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ILLUWA_MEMTEST"))
	if n <= 0 || testing.Short() {
		t.Skip("set ILLUWA_MEMTEST=<connections> to measure idle connection memory")
	}
	const budget = 12 << 10
	m := newFakeMap()
	e := newEnv(t, Options{}, m, nil)
	// Quiet server: log nothing, as in production.
	before := heapAndStack()
	goroutinesBefore := runtime.NumGoroutine()

	cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryClients$", "-test.v")
	cmd.Env = append(os.Environ(), "ILLUWA_MEMCLIENTS="+strconv.Itoa(n), "ILLUWA_MEMURL="+e.srv.URL)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stdin.Close(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	ready := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "READY") {
			ready = true
			break
		}
	}
	if !ready {
		t.Fatal("client process failed")
	}
	waitFor(t, "every connection to register", func() bool {
		e.hub.mu.RLock()
		defer e.hub.mu.RUnlock()
		return len(e.hub.conns) == n
	})
	waitFor(t, "writers to exit", func() bool {
		e.hub.mu.RLock()
		defer e.hub.mu.RUnlock()
		for c := range e.hub.conns {
			c.mu.Lock()
			busy := c.writing
			c.mu.Unlock()
			if busy {
				return false
			}
		}
		return true
	})
	after := heapAndStack()
	if path := os.Getenv("ILLUWA_MEMPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			_ = pprof.WriteHeapProfile(f)
			_ = f.Close()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		t.Logf("heap %d stack %d", ms.HeapInuse, ms.StackInuse)
	}
	per := float64(after-before) / float64(n)
	t.Logf("%d idle watchers: %.0f bytes per connection (HeapInuse+StackInuse), %.2f goroutines per connection",
		n, per, float64(runtime.NumGoroutine()-goroutinesBefore)/float64(n))
	if per > budget {
		t.Fatalf("%.0f bytes per idle connection, budget %d", per, budget)
	}
}

func heapAndStack() uint64 {
	for range 4 { // stacks shrink by half per collection
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// TestMemoryClients is the client side of TestIdleConnectionMemory, run in
// a child process: it opens the connections, watches, reports READY and
// holds them until stdin closes.
func TestMemoryClients(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ILLUWA_MEMCLIENTS"))
	base := os.Getenv("ILLUWA_MEMURL")
	if n <= 0 || base == "" {
		t.Skip("child process of TestIdleConnectionMemory")
	}
	u := "ws" + strings.TrimPrefix(base, "http") + "/ws"
	d := websocket.Dialer{ReadBufferSize: 256, WriteBufferSize: 256}
	conns := make([]*websocket.Conn, 0, n)
	for i := range n {
		ws, _, err := d.Dial(u, http.Header{})
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		reads := 1 // hello
		if os.Getenv("ILLUWA_MEMNOWATCH") == "" {
			lat, lng := offset(float64(i%50)*20, float64(i/50%50)*20)
			if err := ws.WriteJSON(WatchMessage{Type: TypeWatch, Lat: lat, Lng: lng, RadiusM: 1000}); err != nil {
				t.Fatal(err)
			}
			reads++ // snapshot
		}
		for range reads {
			if _, _, err := ws.ReadMessage(); err != nil {
				t.Fatalf("read %d: %v", i, err)
			}
		}
		conns = append(conns, ws)
	}
	fmt.Println("READY")
	// Answer pings while idle (none come within the measurement).
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	for _, ws := range conns {
		_ = ws.Close()
	}
}

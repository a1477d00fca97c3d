package realtime

import (
	"bufio"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/illuwa/illuwa/geo/redistest"
)

// TestMain doubles as the client process of BenchmarkIdleConnectionMemory,
// and stops the Redis Cluster the cluster tests share, if one started.
func TestMain(m *testing.M) {
	if os.Getenv("ILLUWA_MEMCLIENTS") != "" {
		memoryClients()
		return
	}
	os.Exit(redistest.Main(m))
}

// BenchmarkIdleConnectionMemory measures the server memory of idle watcher
// connections (HeapInuse+StackInuse per connection; target ≤ 12 KB). The
// clients run in a child process so that only the server's side is counted.
// The number of connections is ILLUWA_MEMTEST (default 10000); b.N is
// ignored, the measurement runs once:
//
//	go test -run '^$' -bench IdleConnectionMemory -benchtime 1x ./realtime/
func BenchmarkIdleConnectionMemory(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("ILLUWA_MEMTEST"))
	if n <= 0 {
		n = 10000
	}
	m := newFakeMap()
	e := newEnv(b, Options{}, m, nil)
	before, beforeStack := heapAndStack()
	goroutinesBefore := runtime.NumGoroutine()

	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "ILLUWA_MEMCLIENTS="+strconv.Itoa(n), "ILLUWA_MEMURL="+e.srv.URL)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
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
		b.Fatal("client process failed")
	}
	waitFor(b, "every connection to register", func() bool {
		e.hub.mu.RLock()
		defer e.hub.mu.RUnlock()
		return len(e.hub.conns) == n
	})
	waitFor(b, "writers to exit", func() bool {
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
	after, afterStack := heapAndStack()
	if path := os.Getenv("ILLUWA_MEMPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			_ = pprof.WriteHeapProfile(f)
			_ = f.Close()
		}
	}
	b.ReportMetric(float64(after-before)/float64(n), "bytes/conn")
	b.ReportMetric(float64(afterStack-beforeStack)/float64(n), "stack-bytes/conn")
	b.ReportMetric(float64(runtime.NumGoroutine()-goroutinesBefore)/float64(n), "goroutines/conn")
	b.ReportMetric(float64(n), "conns")
}

// heapAndStack returns HeapInuse+StackInuse and StackInuse alone.
func heapAndStack() (uint64, uint64) {
	for range 4 { // stacks shrink by half per collection
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse, ms.StackInuse
}

// memoryClients is the client side of BenchmarkIdleConnectionMemory, run in
// a child process: it opens the connections, watches, prints READY and holds
// them until stdin closes.
func memoryClients() {
	n, _ := strconv.Atoi(os.Getenv("ILLUWA_MEMCLIENTS"))
	base := os.Getenv("ILLUWA_MEMURL")
	u := "ws" + strings.TrimPrefix(base, "http") + "/ws"
	d := websocket.Dialer{ReadBufferSize: 256, WriteBufferSize: 256}
	conns := make([]*websocket.Conn, 0, n)
	for i := range n {
		ws, _, err := d.Dial(u, http.Header{})
		if err != nil {
			log.Fatalf("dial %d: %v", i, err)
		}
		reads := 1 // hello
		if os.Getenv("ILLUWA_MEMNOWATCH") == "" {
			lat, lng := offset(float64(i%50)*20, float64(i/50%50)*20)
			if err := ws.WriteJSON(WatchMessage{Type: TypeWatch, Lat: lat, Lng: lng, RadiusM: 1000}); err != nil {
				log.Fatal(err)
			}
			reads++ // snapshot
		}
		for range reads {
			if _, _, err := ws.ReadMessage(); err != nil {
				log.Fatalf("read %d: %v", i, err)
			}
		}
		conns = append(conns, ws)
	}
	fmt.Println("READY")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	for _, ws := range conns {
		_ = ws.Close()
	}
}

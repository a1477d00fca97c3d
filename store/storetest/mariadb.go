package storetest

import (
	"database/sql"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// MariaDB is a mariadbd a test started on its own port and data directory,
// for the faults of a database going away: Stop sends SIGTERM (in-flight
// queries fail at once) and Start brings it back on the same data. A
// missing binary skips the test, or fails it under CI=true.
type MariaDB struct {
	t    testing.TB
	dir  string
	port int
	mu   sync.Mutex
	cmd  *exec.Cmd
}

// StartMariaDB installs a fresh data directory, starts mariadbd on a free
// loopback port and creates the databases named; it is stopped and removed
// when the test ends.
func StartMariaDB(t testing.TB, databases ...string) *MariaDB {
	t.Helper()
	for _, bin := range []string{"mariadb-install-db", "mariadbd"} {
		if _, err := exec.LookPath(bin); err != nil {
			Unavailable(t, bin, err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "illuwa-mariadb-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	install := exec.Command("mariadb-install-db", "--no-defaults", "--user=root", "--datadir="+filepath.Join(dir, "mysql"),
		"--auth-root-authentication-method=normal")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v: %s", err, out)
	}
	m := &MariaDB{t: t, dir: dir, port: port}
	m.Start()
	t.Cleanup(m.Stop)
	if len(databases) > 0 {
		db, err := sql.Open("mysql", "root@tcp(127.0.0.1:"+strconv.Itoa(port)+")/")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, name := range databases {
			if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
				t.Fatal(err)
			}
		}
	}
	return m
}

// Start runs mariadbd on the data directory and waits until it listens.
func (m *MariaDB) Start() {
	m.t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cmd = exec.Command("mariadbd", "--no-defaults", "--user=root", "--datadir="+filepath.Join(m.dir, "mysql"),
		"--port="+strconv.Itoa(m.port), "--bind-address=127.0.0.1", "--socket="+filepath.Join(m.dir, "mysql.sock"),
		"--pid-file="+filepath.Join(m.dir, "mysql.pid"), "--log-error="+filepath.Join(m.dir, "mysql.err"), "--skip-name-resolve")
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(m.port))
		if err == nil {
			c.Close()
			return
		}
		if i == 300 {
			b, _ := os.ReadFile(filepath.Join(m.dir, "mysql.err"))
			m.t.Fatalf("private mariadb never listened: %s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop sends SIGTERM to the server and waits for it; safe to call from any
// goroutine, and again.
func (m *MariaDB) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	_ = m.cmd.Wait()
	m.cmd = nil
}

// URL is the ILLUWA_DATABASE_URL of database db on this server.
func (m *MariaDB) URL(db string) string {
	return "mysql://root@127.0.0.1:" + strconv.Itoa(m.port) + "/" + db
}

// DSN is the go-sql-driver DSN of the server, no database chosen.
func (m *MariaDB) DSN() string { return "root@tcp(127.0.0.1:" + strconv.Itoa(m.port) + ")/" }

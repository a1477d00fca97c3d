package store_test

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// privateMariaDB is a mariadbd this test started on its own port and data
// dir, stopped with SIGTERM (in-flight queries fail at once) and started
// again on the same data.
type privateMariaDB struct {
	t    *testing.T
	dir  string
	port int
	cmd  *exec.Cmd
}

func startPrivateMariaDB(t *testing.T) *privateMariaDB {
	t.Helper()
	for _, bin := range []string{"mariadb-install-db", "mariadbd"} {
		if _, err := exec.LookPath(bin); err != nil {
			storetest.Unavailable(t, bin, err)
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
	m := &privateMariaDB{t: t, dir: dir, port: port}
	m.start()
	t.Cleanup(m.stop)
	return m
}

func (m *privateMariaDB) start() {
	m.t.Helper()
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

// stop sends SIGTERM to the server this test started and waits for it.
func (m *privateMariaDB) stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	_ = m.cmd.Wait()
	m.cmd = nil
}

func (m *privateMariaDB) url(db string) string {
	return "mysql://root@127.0.0.1:" + strconv.Itoa(m.port) + "/" + db
}

// TestDatabaseDownIsUnavailable stops the database under an open store: its
// calls fail with ErrUnavailable (not a generic error), and work again once
// the database is back.
func TestDatabaseDownIsUnavailable(t *testing.T) {
	m := startPrivateMariaDB(t)
	ctx := context.Background()
	admin, err := sql.Open("mysql", "root@tcp(127.0.0.1:"+strconv.Itoa(m.port)+")/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE illuwa_fault"); err != nil {
		t.Fatal(err)
	}
	_ = admin.Close()
	s, err := store.Open(ctx, m.url("illuwa_fault"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OrderByID(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before the outage: %v, want ErrNotFound", err)
	}
	m.stop()
	_, err = s.OrderByID(ctx, 1)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("database stopped: %v, want ErrUnavailable", err)
	}
	m.start()
	for i := 0; ; i++ {
		_, err = s.OrderByID(ctx, 1)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if i == 100 || !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("database back: %v, want ErrNotFound", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

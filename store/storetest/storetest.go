// Package storetest gives tests a fresh, migrated database on each backend:
// a temporary SQLite file, and a uniquely named database on the MariaDB server
// named by ILLUWA_TEST_MYSQL_DSN (default root@tcp(127.0.0.1:3306)/), dropped
// when the test ends. With CI=true an unreachable server fails the test; elsewhere
// the MariaDB variants are skipped with a message.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/illuwa/illuwa/store"
)

// Backends lists the database kinds every store test runs on.
var Backends = []store.Dialect{store.SQLite, store.MySQL}

// URL returns the database URL of a fresh, empty database of the given kind
// that is removed when t ends.
func URL(t testing.TB, kind store.Dialect) string {
	t.Helper()
	switch kind {
	case store.SQLite:
		return "sqlite://" + filepath.Join(t.TempDir(), "illuwa.db")
	case store.MySQL:
		return mysqlURL(t)
	}
	t.Fatalf("storetest: unknown backend %q", kind)
	return ""
}

// Open returns a migrated Store on a fresh database of the given kind, closed
// when t ends.
func Open(t testing.TB, kind store.Dialect) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, URL(t, kind))
	if err != nil {
		t.Fatalf("storetest: open %s: %v", kind, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.MigrateUp(ctx); err != nil {
		t.Fatalf("storetest: migrate %s: %v", kind, err)
	}
	return s
}

// Unavailable stops the test because a server it needs is missing: a failure
// under CI=true, a skip elsewhere.
func Unavailable(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI=true and is unreachable: %v", what, err)
	}
	t.Skipf("%s unreachable (%v); run the README test command to start it", what, err)
}

func mysqlURL(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("ILLUWA_TEST_MYSQL_DSN")
	if dsn == "" {
		dsn = "root@tcp(127.0.0.1:3306)/"
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("storetest: ILLUWA_TEST_MYSQL_DSN: %v", err)
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		Unavailable(t, "MariaDB", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "illuwa_t_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4"); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Logf("storetest: drop database %s: %v", name, err)
		}
	})
	u := url.URL{Scheme: "mysql", Host: cfg.Addr, Path: "/" + name}
	if cfg.Passwd != "" {
		u.User = url.UserPassword(cfg.User, cfg.Passwd)
	} else {
		u.User = url.User(cfg.User)
	}
	return u.String()
}

// ForEach runs fn as a subtest on a fresh store of every backend.
func ForEach(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, kind := range Backends {
		t.Run(string(kind), func(t *testing.T) {
			fn(t, Open(t, kind))
		})
	}
}

// Package store keeps Illuwa's durable records (users, sessions, stalls, menus,
// images, orders...) in a relational database through GORM: SQLite by default,
// MariaDB/MySQL in production. The schema comes from versioned migrations
// (see Migrate); the store never auto-migrates.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the kind of database behind a Store.
type Dialect string

// The supported dialects.
const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// Store is the database handle shared by every domain's methods. It is safe
// for concurrent use.
type Store struct {
	db      *gorm.DB
	dialect Dialect
}

// Open connects to the database named by rawURL and returns a Store. The URL is
// either sqlite://path/to/file.db (a relative path is relative to the working
// directory; the folder is created) or mysql://user:pass@host:port/db?params.
// Open does not migrate: call Migrate.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	dialect, dialector, err := dialectorFor(rawURL)
	if err != nil {
		return nil, err
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:                                   logger.Discard,
		NowFunc:                                  func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		DisableForeignKeyConstraintWhenMigrating: true,
		TranslateError:                           true,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	switch dialect {
	case SQLite:
		// One writer at a time is SQLite's nature; WAL lets readers go on.
		sqlDB.SetMaxOpenConns(8)
	case MySQL:
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(16)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
	}
	s := &Store{db: db, dialect: dialect}
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return s, nil
}

func dialectorFor(rawURL string) (Dialect, gorm.Dialector, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return "", nil, fmt.Errorf("store: database URL %q: want sqlite://path or mysql://user:pass@host:port/db", redactURL(rawURL))
	}
	switch scheme {
	case "sqlite", "sqlite3":
		path, query, _ := strings.Cut(rest, "?")
		if path == "" {
			return "", nil, errors.New("store: sqlite URL has no file path")
		}
		if path != ":memory:" {
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				return "", nil, fmt.Errorf("store: sqlite folder: %w", err)
			}
		}
		dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		if query != "" {
			dsn += "&" + query
		}
		return SQLite, sqlite.Open(dsn), nil
	case "mysql", "mariadb":
		u, err := url.Parse("mysql://" + rest)
		if err != nil {
			return "", nil, fmt.Errorf("store: database URL: %w", err)
		}
		cfg := mysqldrv.NewConfig()
		cfg.Net = "tcp"
		cfg.Addr = u.Host
		if u.Port() == "" {
			cfg.Addr = u.Host + ":3306"
		}
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
		cfg.DBName = strings.TrimPrefix(u.Path, "/")
		if cfg.DBName == "" {
			return "", nil, errors.New("store: mysql URL names no database")
		}
		cfg.ParseTime = true
		cfg.Loc = time.UTC
		cfg.Params = map[string]string{"charset": "utf8mb4", "time_zone": "'+00:00'"}
		for k, v := range u.Query() {
			cfg.Params[k] = v[0]
		}
		return MySQL, mysql.Open(cfg.FormatDSN()), nil
	default:
		return "", nil, fmt.Errorf("store: database URL scheme %q: want sqlite or mysql", scheme)
	}
}

// redactURL hides a password in a database URL for error messages.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

// Dialect reports which database the store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close releases the connections.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return sqlDB.Close()
}

// tx runs fn in one transaction.
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn)
}

package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Traced returns a Store over the same connections whose every SQL
// statement, once run, is passed to observe (with its bound values), so a
// test can count the queries an operation costs. observe may be called from
// many goroutines at once. Closing either Store closes both.
func (s *Store) Traced(observe func(sql string)) *Store {
	return &Store{db: s.db.Session(&gorm.Session{Logger: statementLogger{observe: observe}}), dialect: s.dialect}
}

// statementLogger is a GORM logger that reports each statement and logs
// nothing else.
type statementLogger struct{ observe func(sql string) }

func (l statementLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (statementLogger) Info(context.Context, string, ...any)       {}
func (statementLogger) Warn(context.Context, string, ...any)       {}
func (statementLogger) Error(context.Context, string, ...any)      {}

func (l statementLogger) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	l.observe(sql)
}

package store

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// ErrUnavailable: the database did not answer (it is down, restarting or
// unreachable), so nothing was read or written. Retrying a little later may
// succeed; handlers answer 503 with Retry-After.
var ErrUnavailable = errors.New("store: database unavailable")

// mysqlUnavailable lists MariaDB/MySQL error numbers that mean the server is
// going away rather than refusing the statement.
var mysqlUnavailable = map[uint16]bool{
	1053: true, // ER_SERVER_SHUTDOWN
	1152: true, // ER_ABORTING_CONNECTION
	1927: true, // ER_CONNECTION_KILLED
	2002: true, // CR_CONNECTION_ERROR
	2003: true, // CR_CONN_HOST_ERROR
	2006: true, // CR_SERVER_GONE_ERROR
	2013: true, // CR_SERVER_LOST
}

// unavailable reports whether err says the database could not be reached,
// as opposed to a refused statement.
func unavailable(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return mysqlUnavailable[me.Number]
	}
	var ne net.Error
	var op *net.OpError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &op), errors.As(err, &ne):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "bad connection") ||
		strings.Contains(msg, "invalid connection") || strings.Contains(msg, "server has gone away")
}

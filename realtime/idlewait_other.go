//go:build !unix

package realtime

import "errors"

// canWaitReadable is false where the reader cannot peek at a socket: its
// goroutine then parks in gorilla's read, as on a TLS connection.
const canWaitReadable = false

func (f *frameConn) waitReadable() error {
	return errors.New("realtime: waitReadable is not available on this system")
}

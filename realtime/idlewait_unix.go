//go:build unix

package realtime

import "syscall"

const canWaitReadable = true

// waitReadable parks until the socket has bytes to read, has reached its
// end or failed, or the read deadline passes (then it returns the
// deadline's error). It reads nothing: it peeks at one byte without
// blocking, and lets the runtime's poller wait when there is none.
func (f *frameConn) waitReadable() error {
	return f.raw.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), f.peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN && err != syscall.EWOULDBLOCK
	})
}

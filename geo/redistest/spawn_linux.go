package redistest

import (
	"os/exec"
	"runtime"
	"syscall"
)

// spawner starts child processes from one OS thread that never exits, so
// that the Pdeathsig set by dieWithParent (which Linux ties to the thread
// that forked) fires only when the test binary itself dies.
var spawner = make(chan func())

func init() {
	go func() {
		runtime.LockOSThread()
		for f := range spawner {
			f()
		}
	}()
}

// spawn starts cmd from the spawner thread.
func spawn(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	spawner <- func() { errc <- cmd.Start() }
	return <-errc
}

// dieWithParent makes the kernel SIGKILL cmd's process when the test
// binary ends, however it ends (a panic, a timeout, a kill).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

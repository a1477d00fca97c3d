//go:build !linux

package redistest

import "os/exec"

func spawn(cmd *exec.Cmd) error { return cmd.Start() }

// dieWithParent is a no-op where there is no Pdeathsig: Main stops the nodes.
func dieWithParent(*exec.Cmd) {}

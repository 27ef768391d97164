package testenv

import (
	"os/exec"
	"syscall"
)

// dieWithParent asks the kernel to kill cmd when the test binary dies
// without running Main's stop (a panic, a timeout, SIGKILL).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

//go:build !linux

package testenv

import "os/exec"

// dieWithParent does nothing where the kernel has no parent-death signal;
// there a test binary that dies before Main's stop leaves MinIO running.
func dieWithParent(cmd *exec.Cmd) {}

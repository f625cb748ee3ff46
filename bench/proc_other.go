//go:build !linux

package bench

import "os/exec"

// dieWithParent is Linux only; elsewhere a killed bench may leave children.
func dieWithParent(*exec.Cmd) {}

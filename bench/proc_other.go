//go:build !linux

package bench

import (
	"errors"
	"os/exec"
)

// dieWithParent is Linux only; elsewhere a killed bench may leave children.
func dieWithParent(*exec.Cmd) {}

var errLinuxOnly = errors.New("the isolation scenario stops and continues processes through /proc: Linux only")

func (e *env) pause() error  { return errLinuxOnly }
func (e *env) resume() error { return errLinuxOnly }

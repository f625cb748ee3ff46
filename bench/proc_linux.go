package bench

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// dieWithParent has the kernel kill cmd when this process dies, so a killed
// bench leaves no child running.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// pause stops postload (SIGSTOP) and returns once it is stopped.
func (e *env) pause() error { return e.signalPostload(syscall.SIGSTOP, true) }

// resume continues a paused postload (SIGCONT).
func (e *env) resume() error { return e.signalPostload(syscall.SIGCONT, false) }

func (e *env) signalPostload(sig syscall.Signal, stopped bool) error {
	if len(e.procs) == 0 {
		return errors.New("no postload running")
	}
	pid := e.pid()
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("sending %v to postload: %w", sig, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, err := procStat(pid)
		if err != nil {
			return fmt.Errorf("postload: %w", err)
		}
		if (f[0] == "T") == stopped {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postload (pid %d) is in state %s after %v", pid, f[0], sig)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

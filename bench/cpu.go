package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuShare measures where the machine's CPU goes during a phase: the
// postload process under test, and this process (the broker and the
// receivers; in the ceiling phase, the plain client too).
type cpuShare struct {
	start     time.Time
	child0    time.Duration
	self0     time.Duration
	childPID  int
	childUsed time.Duration
	selfUsed  time.Duration
	wall      time.Duration
}

func startCPU(childPID int) *cpuShare {
	c := &cpuShare{start: time.Now(), childPID: childPID, self0: selfCPU()}
	c.child0, _ = procCPU(childPID)
	return c
}

func (c *cpuShare) stop() {
	c.wall = time.Since(c.start)
	c.selfUsed = selfCPU() - c.self0
	if t, err := procCPU(c.childPID); err == nil {
		c.childUsed = t - c.child0
	}
}

// cores are the average cores each side used.
func (c *cpuShare) cores() (postload, harness float64) {
	if c.wall <= 0 {
		return 0, 0
	}
	return c.childUsed.Seconds() / c.wall.Seconds(), c.selfUsed.Seconds() / c.wall.Seconds()
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is a process's user+system CPU time from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("no process")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command (which may hold spaces) start after ") ".
	rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks, nil
}

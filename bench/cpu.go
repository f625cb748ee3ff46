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
// postload process under test, the broker process, and this process (the
// receivers, and the producer when one runs).
type cpuShare struct {
	start time.Time
	pids  [2]int // postload, broker
	at0   [2]time.Duration
	used  [2]time.Duration
	self0 time.Duration
	self  time.Duration
	wall  time.Duration
}

func startCPU(postloadPID, brokerPID int) *cpuShare {
	c := &cpuShare{start: time.Now(), pids: [2]int{postloadPID, brokerPID}, self0: selfCPU()}
	for i, pid := range c.pids {
		c.at0[i], _ = procCPU(pid)
	}
	return c
}

func (c *cpuShare) stop() {
	c.wall = time.Since(c.start)
	c.self = selfCPU() - c.self0
	for i, pid := range c.pids {
		if t, err := procCPU(pid); err == nil {
			c.used[i] = t - c.at0[i]
		}
	}
}

// add sums another phase's figures into c: the cores of several phases
// together.
func (c *cpuShare) add(o *cpuShare) {
	c.wall += o.wall
	c.self += o.self
	for i := range c.used {
		c.used[i] += o.used[i]
	}
}

// Cores are the average cores each part used.
type Cores struct {
	Postload float64 `json:"postload"`
	Broker   float64 `json:"broker"`
	// Harness is the bench process: the receivers, and the producer in
	// the latency scenario.
	Harness float64 `json:"receivers_and_producer"`
}

func (c *cpuShare) cores() Cores {
	if c.wall <= 0 {
		return Cores{}
	}
	w := c.wall.Seconds()
	return Cores{Postload: c.used[0].Seconds() / w, Broker: c.used[1].Seconds() / w, Harness: c.self.Seconds() / w}
}

func (c Cores) String() string {
	return fmt.Sprintf("postload %.2f cores, broker %.2f, receivers %.2f", c.Postload, c.Broker, c.Harness)
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
	f, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks, nil
}

// procStat returns the fields of /proc/<pid>/stat after the command, so
// that f[0] is the state and f[11], f[12] are utime and stime.
func procStat(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	// The command may hold spaces: the fields start after its ") ".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 > len(b) {
		return nil, fmt.Errorf("unreadable /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 13 {
		return nil, fmt.Errorf("short /proc/%d/stat", pid)
	}
	return f, nil
}

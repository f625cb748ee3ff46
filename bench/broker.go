package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// ServeBroker runs the bench's Kafka-protocol broker (kfake, on a free
// loopback port) until ctx ends or in reaches end of file (the bench that
// started it has stopped or died), and writes "brokers <addr,...>" as the
// first line of out. The bench runs it as a process of its own (`postload
// bench broker`): kfake keeps every record on its heap, and collecting that
// heap must not slow the receivers and the producer that take the
// measurements.
func ServeBroker(ctx context.Context, in io.Reader, out io.Writer) error {
	// Segments of 1 MiB: kfake keeps a segment as one growing byte slice,
	// and doubling a slice of tens of megabytes (zeroing the new one,
	// copying the old) stalled its request loop for hundreds of ms, every
	// partition at about the same moment.
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(0),
		kfake.BrokerConfigs(map[string]string{"log.segment.bytes": strconv.Itoa(1 << 20)}))
	if err != nil {
		return fmt.Errorf("starting the broker: %w", err)
	}
	defer c.Close()
	if _, err := fmt.Fprintf(out, "brokers %s\n", strings.Join(c.ListenAddrs(), ",")); err != nil {
		return err
	}
	eof := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, in); close(eof) }()
	select {
	case <-ctx.Done():
	case <-eof:
	}
	return nil
}

// brokerProc is a running `postload bench broker`.
type brokerProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	addrs  []string
	exited chan struct{} // closed when the process has exited
	err    error         // its exit status, once exited
}

// startBroker runs the broker process and waits for its address.
func startBroker(ctx context.Context, binary string) (*brokerProc, error) {
	cmd := exec.Command(binary, "bench", "broker")
	dieWithParent(cmd)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	first := &firstLine{line: make(chan string, 1)}
	cmd.Stdout = first
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s bench broker: %w", binary, err)
	}
	b := &brokerProc{cmd: cmd, stdin: stdin, exited: make(chan struct{})}
	go func() { b.err = cmd.Wait(); close(b.exited) }()
	select {
	case s := <-first.line:
		addrs, ok := strings.CutPrefix(s, "brokers ")
		if !ok || addrs == "" {
			b.stop()
			return nil, fmt.Errorf("%s bench broker printed %q, not its address", binary, s)
		}
		b.addrs = strings.Split(addrs, ",")
		return b, nil
	case <-b.exited:
		return nil, fmt.Errorf("%s bench broker exited before giving its address: %v", binary, b.err)
	case <-ctx.Done():
		b.stop()
		return nil, ctx.Err()
	case <-time.After(30 * time.Second):
		b.stop()
		return nil, fmt.Errorf("%s bench broker gave no address within 30s", binary)
	}
}

// firstLine is a writer that passes on the first line written to it and
// drops the rest.
type firstLine struct {
	buf  []byte
	sent bool
	line chan string
}

func (f *firstLine) Write(p []byte) (int, error) {
	if !f.sent {
		f.buf = append(f.buf, p...)
		if i := bytes.IndexByte(f.buf, '\n'); i >= 0 {
			f.line <- strings.TrimSpace(string(f.buf[:i]))
			f.sent, f.buf = true, nil
		}
	}
	return len(p), nil
}

// stop closes the broker's stdin, which stops it, and waits (killing it
// after 10 s).
func (b *brokerProc) stop() {
	b.stdin.Close()
	select {
	case <-b.exited:
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.exited
	}
}

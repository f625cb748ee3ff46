package main

import (
	"io"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/internal/kafkatest"
)

// --max-event-bytes and its twin POSTLOAD_MAX_EVENT_BYTES: the default,
// the twin, the flag over the twin, and what to fix.
func TestMaxEventBytesFlag(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want int
		err  string
	}{
		{nil, nil, dispatcher.DefaultMaxEventBytes, ""},
		{nil, map[string]string{"POSTLOAD_MAX_EVENT_BYTES": "1048576"}, 1 << 20, ""},
		{[]string{"--max-event-bytes", "2097152"}, map[string]string{"POSTLOAD_MAX_EVENT_BYTES": "1048576"}, 2 << 20, ""},
		{nil, map[string]string{"POSTLOAD_MAX_EVENT_BYTES": "4MB"}, 0, `POSTLOAD_MAX_EVENT_BYTES="4MB": want a whole number`},
		{[]string{"--max-event-bytes", "100"}, nil, 0, "--max-event-bytes 100: give 1024 (1 KiB) to 33554432 (32 MiB)"},
		{[]string{"--max-event-bytes", "33554433"}, nil, 0, "--max-event-bytes 33554433: give 1024"},
	}
	for _, tt := range tests {
		c, err := parseServe(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("args %v env %v: error %v, want it to contain %q", tt.args, tt.env, err, tt.err)
			}
			continue
		}
		if err != nil || c.MaxEventBytes != tt.want {
			t.Errorf("args %v env %v: %d, %v; want %d", tt.args, tt.env, c.MaxEventBytes, err, tt.want)
		}
	}
}

// The topics that carry events, or records carrying them, are created to
// take the records about the largest event; the others keep the broker's
// default.
func TestTopicsTakeTheRecordsAboutTheLargestEvent(t *testing.T) {
	names := newTopicNames("p.", 2)
	want := map[string]bool{"p.load-completed": true, "p.load-rejected": true, "p.postload.dlq": true, "p.postload.invalid": true,
		"p.postload.retry.1": true, "p.postload.retry.2": true}
	size := dispatcher.RecordBytes(1 << 20)
	for _, tp := range names.specs(4, 0, 0, 1<<20) {
		switch {
		case want[tp.Name] && tp.MaxMessageBytes <= size:
			t.Errorf("%s: max.message.bytes %d, want more than a record's %d", tp.Name, tp.MaxMessageBytes, size)
		case !want[tp.Name] && tp.MaxMessageBytes != 0:
			t.Errorf("%s: max.message.bytes %d, want the broker's default", tp.Name, tp.MaxMessageBytes)
		}
		delete(want, tp.Name)
	}
	if len(want) != 0 {
		t.Errorf("not created: %v", want)
	}
}

// serve warns of an existing topic that takes smaller records than the
// limit needs (one made before, with the broker's default).
func TestServeWarnsOfATopicTooSmallForTheLimit(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "load-completed", 2, false)
	cfg := testConfig(t)
	cfg.Brokers = []string{c.Addr}
	core, logs := observer.New(zap.WarnLevel)
	mustServeLog(t, cfg, zap.New(core))
	var warned []string
	for _, e := range logs.FilterFieldKey("max_message_bytes").All() {
		warned = append(warned, e.ContextMap()["topic"].(string))
	}
	if len(warned) != 1 || warned[0] != "load-completed" {
		t.Errorf("warned of %v, want load-completed only", warned)
	}
}

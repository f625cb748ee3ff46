package dlq

import (
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // part of the error; "" for none
	}{
		{"defaults", Config{Kafka: downKafka{}}, ""},
		{"no Kafka client", Config{}, "no Kafka client"},
		{"negative timeout", Config{Kafka: downKafka{}, Timeout: -time.Second}, "timeout"},
		{"same topics", Config{Kafka: downKafka{}, ReplayedTopic: "postload.dlq"}, `the DLQ and replayed topics are both "postload.dlq"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
	c := Config{Kafka: downKafka{}}.withDefaults()
	if c.DLQTopic != "postload.dlq" || c.RetryTopic != "postload.retry.1" || c.ReplayedTopic != "postload.replayed" || c.Timeout != 10*time.Second {
		t.Errorf("defaults %+v", c)
	}
}

func TestFilter(t *testing.T) {
	dl := schema.DeadLetter{Hook: schema.HookRef{ID: 8, ClientID: clientA}, DeadAt: t0}
	for _, tc := range []struct {
		name  string
		f     Filter
		match bool
	}{
		{"zero", Filter{}, true},
		{"client", Filter{ClientID: clientA}, true},
		{"other client", Filter{ClientID: clientB}, false},
		{"hook", Filter{HookID: 8}, true},
		{"other hook", Filter{HookID: 9}, false},
		{"since equal", Filter{Since: t0}, true},
		{"since after", Filter{Since: t0.Add(time.Second)}, false},
		{"until equal", Filter{Until: t0}, false},
		{"until after", Filter{Until: t0.Add(time.Nanosecond)}, true},
	} {
		if got := tc.f.Match(dl); got != tc.match {
			t.Errorf("%s: Match = %v", tc.name, got)
		}
	}
	for _, f := range []Filter{{Limit: -1}, {ClientID: -1}, {Since: t0, Until: t0}} {
		if f.Validate() == nil {
			t.Errorf("%+v: valid", f)
		}
	}
}

// NewQueue checks its config as every entry point of the package does.
func TestNewQueueChecksItsConfig(t *testing.T) {
	if _, err := NewQueue(Config{}, nil, nil, time.Now); err == nil || !strings.Contains(err.Error(), "no Kafka client") {
		t.Errorf("NewQueue() = %v, want no Kafka client", err)
	}
	if d := (Config{}).withDefaults(); d.DLQTopic != DefaultDLQTopic || d.RetryTopic != DefaultRetryTopic || d.ReplayedTopic != DefaultReplayedTopic || d.Timeout != DefaultTimeout {
		t.Errorf("defaults %+v", d)
	}
}

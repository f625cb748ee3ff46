package dispatcher

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// A zero field of the dispatcher's configs is its exported default.
func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.InvalidTopic != DefaultInvalidTopic || c.DLQTopic != DefaultDLQTopic || !slices.Equal(c.RetryDelays, DefaultRetryDelays) ||
		len(c.RetryTopics) != len(DefaultRetryDelays) || c.MaxEventBytes != DefaultMaxEventBytes || c.PublishTimeout != DefaultPublishTimeout ||
		c.Log == nil || c.Observer == nil {
		t.Errorf("Config defaults %+v", c)
	}
	e := c.Endpoints
	if e.MinRequests != DefaultMinRequests || e.FailureRatio != DefaultFailureRatio || e.Window != DefaultWindow ||
		e.OpenTimeout != DefaultOpenTimeout || e.MaxConcurrent != DefaultMaxConcurrent || e.SlotWait != DefaultSlotWait {
		t.Errorf("EndpointConfig defaults %+v", e)
	}
	cl := ClientConfig{}.withDefaults()
	if cl.AttemptTimeout != DefaultAttemptTimeout || cl.MaxResponseBytes != DefaultMaxResponseBytes || cl.ConnsPerHost != DefaultHostMaxConcurrent {
		t.Errorf("ClientConfig defaults %+v", cl)
	}
}

// Validate judges a config as given, a zero field standing for its
// default: one rule per setting, which serve's flags are judged by too.
func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // part of the error; "" for none
	}{
		{"zero", Config{}, ""},
		{"ratio 0 is the default", Config{Endpoints: EndpointConfig{FailureRatio: 0}}, ""},
		{"ratio 1", Config{Endpoints: EndpointConfig{FailureRatio: 1}}, ""},
		{"ratio above 1", Config{Endpoints: EndpointConfig{FailureRatio: 1.5}}, "breaker failure ratio 1.5: want a share in (0,1]"},
		{"negative ratio", Config{Endpoints: EndpointConfig{FailureRatio: -0.1}}, "breaker failure ratio -0.1"},
		{"negative min requests", Config{Endpoints: EndpointConfig{MinRequests: -1}}, "breaker min requests -1"},
		{"negative slot wait", Config{Endpoints: EndpointConfig{SlotWait: -time.Second}}, "must not be negative"},
		{"event too small", Config{MaxEventBytes: 100}, "give 1024 (1 KiB) to 33554432 (32 MiB) as the largest event's size in bytes, not 100"},
		{"negative delay", Config{RetryDelays: []time.Duration{time.Second, -time.Second}}, "retry delay 2 is -1s"},
		{"too many tiers", Config{RetryDelays: slices.Repeat([]time.Duration{time.Second}, MaxRetries+1)}, "21 retry delays: give at most 20"},
		{"as many tiers as a record holds", Config{RetryDelays: slices.Repeat([]time.Duration{time.Second}, MaxRetries)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
	if err := (ClientConfig{AttemptTimeout: -time.Second}).Validate(); err == nil {
		t.Error("ClientConfig with a negative attempt timeout: valid")
	}
}

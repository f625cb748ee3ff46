package consumer

import (
	"strings"
	"testing"
	"time"
)

// A zero field of GroupConfig is its exported default, and Validate judges
// the config as given: zero is valid, a negative bound or a drain as long
// as the session is not.
func TestGroupConfigDefaultsAndValidate(t *testing.T) {
	d := GroupConfig{}.withDefaults()
	if d.MaxInFlightPerPartition != DefaultMaxInFlightPerPartition || d.MaxInFlight != DefaultMaxInFlight ||
		d.DrainTimeout != DefaultDrainTimeout || d.CommitInterval != DefaultCommitInterval ||
		d.MaxFetchBytes != DefaultMaxFetchBytes || d.SessionTimeout != DefaultSessionTimeout || d.Log == nil {
		t.Errorf("defaults %+v", d)
	}
	base := GroupConfig{Brokers: []string{"k:9092"}, GroupID: "g", Topics: []string{"t"}}
	for _, tc := range []struct {
		name string
		edit func(*GroupConfig)
		want string // part of the error; "" for none
	}{
		{"zero settings", func(*GroupConfig) {}, ""},
		{"no brokers", func(c *GroupConfig) { c.Brokers = nil }, "no brokers"},
		{"negative in flight", func(c *GroupConfig) { c.MaxInFlight = -1 }, "in-flight bounds must be positive"},
		{"negative session", func(c *GroupConfig) { c.SessionTimeout = -time.Second }, "must not be negative"},
		{"drain as long as the default session", func(c *GroupConfig) { c.DrainTimeout = DefaultSessionTimeout }, "must stay below the session timeout"},
		{"drain below a longer session", func(c *GroupConfig) { c.DrainTimeout, c.SessionTimeout = time.Minute, 2*time.Minute }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.edit(&c)
			err := c.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestPoisonConfigDefaults(t *testing.T) {
	d := PoisonConfig{}.withDefaults()
	if d.Sentinel == nil || d.PublishTimeout != DefaultPublishTimeout || d.Counted == nil || d.Log == nil {
		t.Errorf("defaults %+v", d)
	}
	if err := (PoisonConfig{Topic: "postload.invalid", MaxRecordBytes: 1 << 20}).Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

package embedded

import (
	"strings"
	"testing"
	"time"
)

// kfake applies the broker's retention.ms to compacted topics as well; the
// embedded broker's default deletes nothing by age, so a hook record that
// has not changed for a week stays in the registry's topic.
func TestBrokerKeepsOldRecordsOfCompactedTopics(t *testing.T) {
	c, err := Start(Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.CreateTopic("postload.hooks", 1, map[string]string{"cleanup.policy": "compact"}); err != nil {
		t.Fatal(err)
	}
	addr := c.ListenAddrs()[0]
	mustWrite(t, addr, "postload.hooks", time.Now().Add(-8*24*time.Hour)) // one hook, unchanged for 8 days
	mustWrite(t, addr, "postload.hooks", time.Now())
	c.Compact() // compaction and retention, as the broker's pass every minute
	if p := c.PartitionInfo("postload.hooks", 0); p.LogStartOffset != 0 || p.HighWatermark != 2 {
		t.Fatalf("postload.hooks holds offsets %d..%d after compaction, want 0..1", p.LogStartOffset, p.HighWatermark-1)
	}
}

// A zero field of Config is its exported default; Validate says what to
// fix in the config as given.
func TestConfigDefaultsAndValidate(t *testing.T) {
	if d := (Config{}).withDefaults(); d.Addr != DefaultAddr || d.CleanerInterval != DefaultInterval {
		t.Errorf("defaults %+v", d)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // part of the error; "" for none
	}{
		{"data dir only", Config{DataDir: "d"}, ""},
		{"no data dir", Config{}, "give a data dir"},
		{"address without port", Config{Addr: "localhost", DataDir: "d"}, `address "localhost" is not host:port`},
		{"negative interval", Config{DataDir: "d", CleanerInterval: -time.Second}, "cleaner interval -1s"},
	} {
		err := tc.cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := Start(Config{DataDir: t.TempDir(), CleanerInterval: -time.Second}); err == nil {
		t.Error("Start with a negative interval: no error")
	}
}

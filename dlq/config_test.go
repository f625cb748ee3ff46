package dlq

import (
	"net/url"
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

func TestListFilterDefaults(t *testing.T) {
	f, err := listFilter(url.Values{"other": {"x"}})
	if err != nil || f != (Filter{Limit: 100}) {
		t.Fatalf("%+v, %v", f, err)
	}
	f, err = listFilter(url.Values{"since": {"2026-03-01T10:00:00+01:00"}, "limit": {"1000"}})
	if err != nil || !f.Since.Equal(t0.Add(-time.Hour)) || f.Limit != 1000 {
		t.Fatalf("%+v, %v", f, err)
	}
}

func FuzzListFilter(f *testing.F) {
	f.Add("since=2026-03-01T10:00:00Z&until=2026-03-02T10:00:00Z&limit=5")
	f.Add("limit=-1&since=")
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		if f, err := listFilter(v); err == nil && (f.Limit < 1 || f.Limit > maxListLimit || f.Validate() != nil) {
			t.Fatalf("accepted %q as %+v", q, f)
		}
	})
}

func FuzzReplayBody(f *testing.F) {
	f.Add(`{"since":"2026-03-01T10:00:00Z","until":"2026-03-02T10:00:00Z","dry_run":true}`)
	f.Add(``)
	f.Add(`null`)
	f.Add(`{"dry_run":1}`)
	f.Fuzz(func(t *testing.T, body string) {
		b, err := readReplayBody(strings.NewReader(body))
		if err == nil && b.Since != nil && b.Until != nil && !b.Since.Before(*b.Until) {
			t.Fatalf("accepted %q with since not before until", body)
		}
	})
}

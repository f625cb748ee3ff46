package httpapi

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/dlq"
)

func TestListFilterDefaults(t *testing.T) {
	f, err := listFilter(url.Values{"other": {"x"}})
	if err != nil || f != (dlq.Filter{Limit: 100}) {
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

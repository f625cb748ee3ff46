package email

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// The text parts of every email, against testdata/golden/*.txt (refresh
// with go test ./email -run TestGolden -update).
func TestGoldenText(t *testing.T) {
	s, err := New(Config{OutboxDir: t.TempDir()}, RecipientsFunc(func(int64) []schema.Recipient { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	to := []string{"ops@example.com"}
	exhausted := goldenDeadLetter(t, "dead-letter.json")
	gone := goldenDeadLetter(t, "dead-letter-hook-gone.json")

	c := newCycle(exhausted, exhausted.DeadAt, time.Hour)
	for i, reason := range []string{schema.ReasonRetriesExhausted, schema.ReasonHookDisabled, schema.ReasonRetriesExhausted} {
		dl := exhausted
		dl.EventID += string(rune('a' + i))
		dl.Reason = reason
		dl.DeadAt = dl.DeadAt.Add(time.Duration(i) * time.Minute)
		c.fold(dl, 2)
	}
	b := newBatch(116078, time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC), 2*time.Hour)
	for i, table := range []string{"orders", "customers", "orders"} {
		b.add(schema.LoadFailure{EventID: string(rune('a' + i)), ClientID: 116078, DestinationID: 12345,
			EmittedAt:       time.Date(2026, 11, 27, 6, i, 0, 0, time.UTC),
			IntegrationName: "shopify", SourceRootTableName: table, Error: "permission denied for schema analytics"})
	}

	for name, build := range map[string]func() (*letter, error){
		"dead_letter":  func() (*letter, error) { return s.deadLetterLetter(exhausted, to) },
		"hook_gone":    func() (*letter, error) { return s.deadLetterLetter(gone, to) },
		"digest":       func() (*letter, error) { return s.digestLetter(c, to) },
		"failed_loads": func() (*letter, error) { return s.failedLoadsLetter(b, to) },
	} {
		l, err := build()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		path := filepath.Join("testdata", "golden", name+".txt")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(l.text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if l.text != string(want) {
			t.Errorf("%s text differs from %s:\n%s", name, path, l.text)
		}
	}
}

func goldenDeadLetter(t *testing.T, name string) schema.DeadLetter {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "schema", "testdata", "valid", name))
	if err != nil {
		t.Fatal(err)
	}
	dl, err := schema.DecodeDeadLetter(b)
	if err != nil {
		t.Fatal(err)
	}
	return dl
}

package schema

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden samples in testdata/sample")

// TestSampleGolden pins the samples' bytes: other packages' tests use them.
// Run with -update after a deliberate change.
func TestSampleGolden(t *testing.T) {
	tests := map[string][]byte{
		"load-completed.json": SampleLoadEvent("01JD3S1Z8Q5Q7W5E4Y9K2M3N4P", 116078, 12345, false, sampleNow),
		"load-rejected.json":  SampleLoadEvent("01JD3S1Z8Q5Q7W5E4Y9K2M3N4R", 116078, 12345, true, sampleNow),
		"load-failed.json":    SampleLoadFailure("01JD3S2A7BZ9X8W7V6U5T4S3R2", 116078, 12345, sampleNow),
	}
	for name, got := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "sample", name)
			if *update {
				if err := os.WriteFile(path, append(bytes.Clone(got), '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := bytes.TrimSuffix(mustReadFile(t, filepath.Join("sample", name)), []byte("\n"))
			if !bytes.Equal(got, want) {
				t.Errorf("sample changed (run go test -update if meant):\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestSampleLoadEvent(t *testing.T) {
	for _, rejected := range []bool{false, true} {
		b := SampleLoadEvent("ev-7", 1, 2, rejected, sampleNow.In(time.FixedZone("CET", 3600)))
		ev := mustDecodeLoadEvent(t, b)
		if ev.EventID != "ev-7" || ev.ClientID != 1 || ev.DestinationID != 2 || !ev.EmittedAt.Equal(sampleNow) {
			t.Errorf("rejected=%v: envelope = %+v", rejected, ev)
		}
		if n := len(b); n < 800 || n > 1300 {
			t.Errorf("rejected=%v: %d bytes, want about 1 KB", rejected, n)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil || !bytes.Equal(compact.Bytes(), b) {
			t.Errorf("rejected=%v: not compact JSON: %s", rejected, b)
		}
		var p payload
		if err := json.Unmarshal(ev.Payload, &p); err != nil {
			t.Fatal(err)
		}
		var rows, rejectedRows int64
		for _, tb := range p.Tables {
			rows += tb.NumRows
			rejectedRows += tb.NumRowsRejected
			if (tb.BookmarkMetadata == nil) != (tb.NumRows == 0) {
				t.Errorf("rejected=%v: table %s: %d rows and bookmark %v; the contract has null exactly when every row was rejected",
					rejected, tb.SourceTableName, tb.NumRows, tb.BookmarkMetadata)
			}
		}
		if rejected != (rejectedRows > 0) || rows == 0 {
			t.Errorf("rejected=%v: %d rows loaded, %d rejected", rejected, rows, rejectedRows)
		}
	}
}

func TestSampleLoadFailure(t *testing.T) {
	f, err := DecodeLoadFailure(SampleLoadFailure("ev-8", 3, 4, sampleNow))
	if err != nil {
		t.Fatal(err)
	}
	want := LoadFailure{EventID: "ev-8", ClientID: 3, DestinationID: 4, EmittedAt: sampleNow,
		IntegrationName: "shopify", SourceRootTableName: "orders", Error: "permission denied for schema analytics"}
	if f != want {
		t.Errorf("got %+v, want %+v", f, want)
	}
}

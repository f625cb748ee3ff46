package consumer

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestProgressRoundTrip(t *testing.T) {
	p := newProgress(priorProgress{})
	p.finish(105, 7)
	p.finish(105, 9)
	p.finish(105, 7) // twice is once
	p.finish(110, 3)
	since := time.UnixMilli(1764757200123)
	meta, dirty := p.encode(100, []int64{101, 102, 103, 107}, since, false)
	if !dirty {
		t.Error("encode after finish: not dirty")
	}
	if meta != "pl1|1-3,7|5:7.9,10:3|1764757200123|0" {
		t.Errorf("metadata %q", meta)
	}
	if _, dirty := p.encode(100, nil, since, false); dirty {
		t.Error("second encode without a change: dirty")
	}
	got := decodeProgress(meta, 100)
	if got.clean || !got.since.Equal(since) {
		t.Errorf("clean %v, since %v", got.clean, got.since)
	}
	if want := []int64{101, 102, 103, 107}; !slices.Equal(slices.Sorted(maps.Keys(got.done)), want) {
		t.Errorf("done %v, want %v", slices.Sorted(maps.Keys(got.done)), want)
	}
	if !slices.Equal(got.items[105], []int64{7, 9}) || !slices.Equal(got.items[110], []int64{3}) || len(got.items) != 2 {
		t.Errorf("items %v", got.items)
	}

	// A worker starting from that commit skips what was done and carries
	// the rest on in its own commits until it fetched them.
	q := newProgress(got)
	if !q.skip(107) || q.skip(104) {
		t.Error("skip: want 107 only")
	}
	if !q.finished(105, 9) || q.finished(105, 8) {
		t.Error("finished: want 105's items 7 and 9")
	}
	// The earlier worker did not stop in order: messages below the end it
	// left (104) are suspect, and its since is carried on until they are
	// committed.
	q.fetched(104, since.Add(time.Hour))
	if at, ok := q.suspect(103); !ok || !at.Equal(since) {
		t.Errorf("suspect(103) = %v, %v; want since %v", at, ok, since)
	}
	if _, ok := q.suspect(104); ok {
		t.Error("suspect(104): the end is not suspect")
	}
	meta2, _ := q.encode(102, []int64{103}, since.Add(time.Minute), true)
	if d := decodeProgress(meta2, 102); d.clean || !d.since.Equal(since) {
		t.Errorf("with suspects ahead: clean %v since %v, want not clean since %v (%q)", d.clean, d.since, since, meta2)
	}
	if d := decodeProgress(q.mustEncode(104, since.Add(time.Minute), true), 104); !d.clean || !d.since.Equal(since.Add(time.Minute)) {
		t.Errorf("past the suspects: clean %v since %v", d.clean, d.since)
	}
	if again := decodeProgress(meta2, 102); !again.done[107] || !again.done[103] || !slices.Contains(again.items[105], 9) {
		t.Errorf("carried on: %q", meta2)
	}
	q.done(105)
	q.forget(108)
	if len(q.prior.done) != 0 || len(q.prior.items) != 1 {
		t.Errorf("after forget(108): prior %+v", q.prior)
	}
}

func TestProgressMetadataIsBounded(t *testing.T) {
	p := newProgress(priorProgress{})
	var done []int64
	for o := int64(2); o < 5000; o += 2 {
		done = append(done, o)
		p.finish(o+1, 1234567)
	}
	meta, _ := p.encode(0, done, time.Now(), false)
	if len(meta) > maxMetadata {
		t.Fatalf("metadata of %d bytes, over %d", len(meta), maxMetadata)
	}
	got := decodeProgress(meta, 0)
	if len(got.done) == 0 {
		t.Error("nothing of the done offsets kept")
	}
	for o := range got.done {
		if o%2 != 0 || o >= 5000 {
			t.Errorf("offset %d was not done", o)
		}
	}
}

func TestProgressIgnoresForeignMetadata(t *testing.T) {
	for _, m := range []string{"", "hello", "pl1|x||1|0", "pl1|1-||1|0", "pl1||5:a|1|0", "pl1|3-1||1|0", "pl2|1||1|0", strings.Repeat("|", 5), "pl1|-1||1|0", "pl1|1||x|0", "pl1|1||1|2", "pl1|1|"} {
		got := decodeProgress(m, 10)
		if len(got.done) != 0 || len(got.items) != 0 {
			t.Errorf("decodeProgress(%q) = %+v, want nothing", m, got)
		}
	}
}

func FuzzDecodeProgress(f *testing.F) {
	f.Add("pl1|1-3,7|5:7.9,10:3|1764757200123|0", int64(100))
	f.Add("pl1|||0|1", int64(0))
	f.Fuzz(func(t *testing.T, meta string, commit int64) {
		got := decodeProgress(meta, commit)
		for o := range got.done {
			if o < commit {
				t.Fatalf("offset %d below the commit %d", o, commit)
			}
		}
	})
}

func (p *progress) mustEncode(commit int64, since time.Time, clean bool) string {
	m, _ := p.encode(commit, nil, since, clean)
	return m
}

package dispatcher

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

// worstEvent is a valid load event of exactly n bytes whose payload is as
// costly to escape as a valid event can be: quotes, backslashes, < > &
// (which json.Marshal would make six bytes each) and U+2028.
func worstEvent(t *testing.T, n int) []byte {
	t.Helper()
	base := string(schema.SampleLoadEvent("ev-worst", 1, 2, false, time.Now()))
	with := func(pad string) []byte {
		return []byte(strings.Replace(base, `"version":"1.0"`, `"pad":"`+pad+`","version":"1.0"`, 1))
	}
	const unit = `\"\\<>&` + "\u2028" // 10 bytes, 20 escaped (38 with json.Marshal's HTML escapes)
	room := n - len(with(""))
	b := with(strings.Repeat(unit, room/len(unit)) + strings.Repeat("<", room%len(unit)))
	if _, err := schema.DecodeLoadEvent(b); err != nil || len(b) != n {
		t.Fatalf("worst event of %d bytes, want %d: %v", len(b), n, err)
	}
	return b
}

// capture is a Publisher keeping what it got, refusing records larger
// than refuse (0: none) as a broker would.
type capture struct {
	mu     sync.Mutex
	refuse int
	tries  []int // sizes of the invalid records tried
	recs   map[string][][]byte
}

type tooLargeErr struct{}

func (tooLargeErr) Error() string  { return "too large" }
func (tooLargeErr) TooLarge() bool { return true }

func (c *capture) Publish(_ context.Context, topic string, _, value []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tries = append(c.tries, len(value))
	if c.refuse > 0 && len(value) > c.refuse {
		return fmt.Errorf("publishing: %w", tooLargeErr{})
	}
	if c.recs == nil {
		c.recs = map[string][][]byte{}
	}
	c.recs[topic] = append(c.recs[topic], value)
	return nil
}

func sizeDispatcher(t *testing.T, pub Publisher, maxEvent int) *Dispatcher {
	t.Helper()
	sender, err := NewSender(ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{RetryTopics: []string{"r1"}, RetryDelays: []time.Duration{time.Second}, MaxEventBytes: maxEvent}, hookMap{}, pub, sender)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// Every record written about an event of the largest size, as costly to
// escape as can be, with the most attempts and the longest errors and
// URL, takes at most RecordBytes.
func TestRecordsAboutTheLargestEventFitRecordBytes(t *testing.T) {
	const maxEvent = 1 << 20
	event := worstEvent(t, maxEvent)
	var c capture
	d := sizeDispatcher(t, &c, maxEvent)
	now := time.Now()
	longErr := strings.Repeat(`"\`, maxErrorBytes/2)
	dl := schema.Delivery{Event: string(event), HookID: 7, Attempt: 21, DueAt: now, Error: longErr}
	for i := range 20 {
		dl.Attempts = append(dl.Attempts, schema.Attempt{Number: i + 1, StartedAt: now, DurationMS: 1 << 62, Status: 599, Error: longErr, Skipped: true})
	}
	h := schema.Hook{ID: 7, ClientID: 1 << 62, DestinationID: 1 << 62, Config: schema.HookConfig{URL: "https://example.com/" + strings.Repeat("<", 2000)}}
	if err := d.toTier(context.Background(), d.cfg.Log, 1, h.ClientID, dl, Failed); err != nil {
		t.Fatal(err)
	}
	dl.Attempts = append(dl.Attempts, schema.Attempt{Number: 21, StartedAt: now, Error: longErr})
	if err := d.dead(context.Background(), d.cfg.Log, "ev-worst", h, dl, schema.ReasonRetriesExhausted); err != nil {
		t.Fatal(err)
	}
	limit := RecordBytes(maxEvent)
	for _, topic := range []string{"r1", "postload.dlq"} {
		if len(c.recs[topic]) != 1 {
			t.Fatalf("%d records on %s", len(c.recs[topic]), topic)
		}
		if n := len(c.recs[topic][0]); n > limit {
			t.Errorf("the record on %s takes %d bytes, more than RecordBytes %d", topic, n, limit)
		}
	}
	if letter, err := schema.DecodeDeadLetter(c.recs["postload.dlq"][0]); err != nil || letter.Event != string(event) {
		t.Errorf("the dead letter does not carry the event as received: %v", err)
	}
}

// An event over the limit goes to the invalid topic whole when its record
// fits; a message too large for that is cut to the most that fits, and
// the record says so; when the broker refuses even that, it is cut
// further until taken.
func TestInvalidKeepsTheOriginalBytesOrSaysWhatItCut(t *testing.T) {
	const maxEvent = 64 << 10
	limit := RecordBytes(maxEvent)
	tests := []struct {
		name       string
		size       int
		refuse     int // the broker's limit, 0: none
		whole      bool
		wantAtMost int
	}{
		{"just over the limit: whole", maxEvent + 1, 0, true, limit},
		{"as large as fits: whole", limit * 3 / 4 * 9 / 10, 0, true, limit},
		{"too large for a record: cut to fit", 2 * limit, 0, false, limit},
		{"refused by the broker: cut further", limit / 2, 100 << 10, false, 100 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := capture{refuse: tt.refuse}
			d := sizeDispatcher(t, &c, maxEvent)
			value := worstEvent(t, tt.size)
			if err := d.HandleEvent(context.Background(), Source{Topic: "load-completed", Partition: 1, Offset: 5, Key: []byte("k")}, value); err != nil {
				t.Fatal(err)
			}
			if len(c.recs["postload.invalid"]) != 1 {
				t.Fatalf("%d invalid records", len(c.recs["postload.invalid"]))
			}
			b := c.recs["postload.invalid"][0]
			rec, err := schema.DecodeInvalid(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > tt.wantAtMost || rec.ValueBytes != len(value) || string(rec.Value) != string(value[:len(rec.Value)]) {
				t.Fatalf("record of %d bytes (want at most %d), value_bytes %d of %d, value a prefix: %v",
					len(b), tt.wantAtMost, rec.ValueBytes, len(value), string(rec.Value) == string(value[:len(rec.Value)]))
			}
			if !strings.Contains(rec.Reason, fmt.Sprintf("event of %d bytes is larger than the %d-byte limit", len(value), maxEvent)) {
				t.Errorf("reason %q", rec.Reason)
			}
			cut := fmt.Sprintf("; value truncated to its first %d of %d bytes (value_bytes)", len(rec.Value), len(value))
			if tt.whole != (len(rec.Value) == len(value)) || tt.whole == strings.Contains(rec.Reason, cut) {
				t.Errorf("kept %d of %d bytes, reason %q; want whole %v, and the reason to say what was cut", len(rec.Value), len(value), rec.Reason, tt.whole)
			}
			// The value is cut in steps of 3 bytes (4 of base64), against the
			// longest note the reason may get.
			if !tt.whole && tt.refuse == 0 && len(b) < tt.wantAtMost-16 {
				t.Errorf("cut to %d bytes of record, though %d fit", len(b), tt.wantAtMost)
			}
		})
	}
}

// A refused delivery of a large event is handed on in a record of its
// own, never in a group; every record stays within RecordBytes.
func TestALargeRefusedDeliveryIsWrittenAlone(t *testing.T) {
	const maxEvent = 2 << 20
	var w written
	g := newGrouper(w.publish)
	dls := []schema.Delivery{refusedDelivery(t, 0, 7, 2), refusedDelivery(t, 1, 7, 2), refusedDelivery(t, 2, 7, 2)}
	dls[1].Event = string(worstEvent(t, maxEvent))
	for _, err := range addAll(g, "r2", dls) {
		if err != nil {
			t.Fatal(err)
		}
	}
	w.mu.Lock()
	recs := w.recs["r2"]
	w.mu.Unlock()
	large := 0
	for _, b := range recs {
		if len(b) > RecordBytes(maxEvent) {
			t.Errorf("a record of %d bytes, more than RecordBytes %d", len(b), RecordBytes(maxEvent))
		}
		if len(b) > maxEvent {
			large++
			if schema.IsGroup(b) {
				t.Error("the large delivery went in a group")
			}
		}
	}
	if _, got := w.deliveries(t, "r2"); len(got) != 3 || large != 1 {
		t.Errorf("%d deliveries in %d records, %d of them large; want 3, the large one alone", len(got), len(recs), large)
	}
}

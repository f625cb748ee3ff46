package consumer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/schema"
)

// fakePublisher keeps what it is given, refusing records over takes (if
// set) for their size, or failing with err.
type fakePublisher struct {
	mu    sync.Mutex
	takes int
	err   error
	recs  map[string][][]byte
	keys  [][]byte
}

var _ Publisher = (*fakePublisher)(nil)

func (f *fakePublisher) Publish(_ context.Context, topic string, key, value []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.takes > 0 && len(value) > f.takes {
		return &TooLargeError{Topic: topic, Bytes: len(value)}
	}
	if f.err != nil {
		return f.err
	}
	if f.recs == nil {
		f.recs = map[string][][]byte{}
	}
	f.recs[topic] = append(f.recs[topic], value)
	f.keys = append(f.keys, key)
	return nil
}

// A message whose handler's error wraps schema.ErrInvalid goes to the
// invalid topic with the reason, its source and its bytes, and is
// finished; other errors are the handler's; a failed publish leaves the
// message unfinished; a record too large is cut to fit.
func TestPoisonPutsInvalidMessagesOnTheInvalidTopic(t *testing.T) {
	invalid := fmt.Errorf("%w: not JSON", schema.ErrInvalid)
	down := errors.New("broker down")
	large := bytes.Repeat([]byte("v"), 4000)
	tests := []struct {
		name      string
		value     []byte
		handler   error
		pub       *fakePublisher
		wantErr   error // errors.Is
		wantBytes int   // the record's size at most; -1: no record
	}{
		{"finished", []byte("ok"), nil, &fakePublisher{}, nil, -1},
		{"other error", []byte("ok"), down, &fakePublisher{}, down, -1},
		{"invalid", []byte("{"), invalid, &fakePublisher{}, nil, 3000},
		{"invalid, publish fails", []byte("{"), invalid, &fakePublisher{err: down}, down, -1},
		{"invalid and large: cut to fit", large, invalid, &fakePublisher{}, nil, 3000},
		{"invalid, refused as too large: cut further", large, invalid, &fakePublisher{takes: 1500}, nil, 1500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counted := 0
			p, err := NewPoison(PoisonConfig{Topic: "postload.invalid", MaxRecordBytes: 3000, Counted: func(topic string) {
				if topic == "in" {
					counted++
				}
			}, Log: zaptest.NewLogger(t)}, tt.pub)
			if err != nil {
				t.Fatal(err)
			}
			p.now = func() time.Time { return t0 }
			h := p.Wrap(HandlerFunc(func(context.Context, Message) error { return tt.handler }))
			m := Message{Topic: "in", Partition: 2, Offset: 7, Key: []byte("k"), Value: tt.value}
			if err := h.Handle(context.Background(), m); !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Handle: %v, want %v", err, tt.wantErr)
			}
			recs := tt.pub.recs["postload.invalid"]
			if tt.wantBytes < 0 {
				if len(recs) != 0 || counted != 0 {
					t.Fatalf("%d records, counted %d; want none", len(recs), counted)
				}
				return
			}
			if len(recs) != 1 || counted != 1 || string(tt.pub.keys[0]) != "k" || len(recs[0]) > tt.wantBytes {
				t.Fatalf("%d records (the first of %d bytes, want at most %d), counted %d, key %q", len(recs), len(recs[0]), tt.wantBytes, counted, tt.pub.keys)
			}
			rec, err := schema.DecodeInvalid(recs[0])
			if err != nil {
				t.Fatal(err)
			}
			if rec.Topic != "in" || rec.Partition != 2 || rec.Offset != 7 || string(rec.Key) != "k" ||
				rec.ValueBytes != len(tt.value) || !rec.SeenAt.Equal(t0) || !bytes.HasPrefix(tt.value, rec.Value) {
				t.Errorf("record %+v, want source in/2/7, key k, seen at %v, a prefix of the value", rec, t0)
			}
			if whole := len(rec.Value) == len(tt.value); whole != (rec.Reason == invalid.Error()) {
				t.Errorf("kept %d of %d bytes, reason %q", len(rec.Value), len(tt.value), rec.Reason)
			}
			if len(tt.value) > 1000 && (len(rec.Value) == 0 || len(recs[0]) < tt.wantBytes/2) {
				t.Errorf("kept %d bytes in a record of %d; want it cut to fit %d, not further", len(rec.Value), len(recs[0]), tt.wantBytes)
			}
		})
	}
}

func TestPoisonConfigValidate(t *testing.T) {
	_, err := NewPoison(PoisonConfig{}, &fakePublisher{})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("topic")) || !bytes.Contains([]byte(err.Error()), []byte("largest record")) {
		t.Fatalf("NewPoison of an empty config: %v", err)
	}
}

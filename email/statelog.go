package email

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
)

// stateLog reads and writes Config.StateTopic (partition 0).
type stateLog struct {
	cl      *kafka.Client
	topic   string
	timeout time.Duration
}

// record is one record to write: a nil value is a tombstone.
type record struct {
	key   string
	value []byte
}

// chunkBytes bounds the records written in one produce request, below the
// broker's default limit of a record batch (1 MiB) before compression.
const chunkBytes = 512 << 10

// write appends recs in order, acknowledged by every in-sync replica. Each
// request is one record batch, appended whole or not at all; recs longer
// than chunkBytes take several, in order. Each request has its own timeout
// and is not abandoned when ctx ends, so that no write lands after the
// caller gave up on it.
func (l *stateLog) write(ctx context.Context, recs []record) error {
	for len(recs) > 0 {
		n, size := 1, len(recs[0].key)+len(recs[0].value)
		for n < len(recs) && size+len(recs[n].key)+len(recs[n].value) <= chunkBytes {
			size += len(recs[n].key) + len(recs[n].value)
			n++
		}
		if err := l.produce(ctx, recs[:n]); err != nil {
			return err
		}
		recs = recs[n:]
	}
	return nil
}

func (l *stateLog) produce(ctx context.Context, recs []record) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.timeout)
	defer cancel()
	krs := make([]kafka.Record, len(recs))
	for i, r := range recs {
		krs[i].Key = kafka.NewBytes([]byte(r.key))
		if r.value != nil {
			krs[i].Value = kafka.NewBytes(r.value)
		}
	}
	res, err := l.cl.Produce(ctx, &kafka.ProduceRequest{
		Topic: l.topic, Partition: 0, RequiredAcks: kafka.RequireAll,
		Records: kafka.NewRecordReader(krs...), Compression: kafka.Snappy,
	})
	if err == nil {
		err = res.Error
	}
	for _, rerr := range res.RecordErrors {
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return fmt.Errorf("writing %d records to %s: %w", len(recs), l.topic, err)
	}
	return nil
}

// readAll returns the latest value of every key of the state topic, as of
// its end offset now (tombstones remove their key).
func (l *stateLog) readAll(ctx context.Context) (map[string][]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*l.timeout)
	defer cancel()
	res, err := l.cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{
		Topics: map[string][]kafka.OffsetRequest{l.topic: {kafka.FirstOffsetOf(0), kafka.LastOffsetOf(0)}},
	})
	if err != nil {
		return nil, fmt.Errorf("listing offsets of %s: %w", l.topic, err)
	}
	var next, end int64 = 0, -1
	for _, p := range res.Topics[l.topic] {
		if p.Partition == 0 {
			if p.Error != nil {
				return nil, fmt.Errorf("listing offsets of %s: %w", l.topic, p.Error)
			}
			next, end = p.FirstOffset, p.LastOffset
		}
	}
	if end < 0 {
		return nil, fmt.Errorf("listing offsets of %s: no partition 0 in the answer (does the topic exist?)", l.topic)
	}
	out := map[string][]byte{}
	for next < end {
		moved, err := l.fetch(ctx, &next, end, out)
		if err != nil {
			return nil, err
		}
		if !moved {
			// Nothing at or after next below end: removed by compaction,
			// or not data.
			break
		}
	}
	return out, nil
}

// fetch reads one fetch response from *next on into out and moves *next.
func (l *stateLog) fetch(ctx context.Context, next *int64, end int64, out map[string][]byte) (moved bool, err error) {
	res, err := l.cl.Fetch(ctx, &kafka.FetchRequest{
		Topic: l.topic, Partition: 0, Offset: *next, MinBytes: 1, MaxBytes: 4 << 20, MaxWait: 500 * time.Millisecond,
	})
	if err == nil {
		err = res.Error
	}
	if err != nil {
		return false, fmt.Errorf("reading %s at %d: %w", l.topic, *next, err)
	}
	if res.Records == nil {
		return false, nil
	}
	for {
		r, err := res.Records.ReadRecord()
		if errors.Is(err, io.EOF) {
			return moved, nil
		}
		if err != nil {
			return moved, fmt.Errorf("reading %s at %d: %w", l.topic, *next, err)
		}
		if r.Offset < *next {
			continue // a batch that began before the fetched offset
		}
		if r.Offset >= end {
			*next = end
			return true, nil
		}
		key, err := readBytes(r.Key)
		var value []byte
		if err == nil {
			value, err = readBytes(r.Value)
		}
		if err != nil {
			return moved, fmt.Errorf("reading %s at %d: %w", l.topic, r.Offset, err)
		}
		if value == nil {
			delete(out, string(key))
		} else {
			out[string(key)] = value
		}
		*next, moved = r.Offset+1, true
	}
}

// readBytes copies a record's key or value; nil stays nil.
func readBytes(b kafka.Bytes) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	return kafka.ReadAll(b)
}

package email

import (
	"context"
	"fmt"
	"time"
)

// stateLog reads and writes Config.StateTopic (partition 0).
type stateLog struct {
	kafka   Kafka
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
	krs := make([][2][]byte, len(recs))
	for i, r := range recs {
		krs[i] = [2][]byte{[]byte(r.key), r.value}
	}
	if _, err := l.kafka.Produce(ctx, l.topic, 0, krs...); err != nil {
		return fmt.Errorf("writing %d records to %s: %w", len(recs), l.topic, err)
	}
	return nil
}

// readAll returns the latest value of every key of the state topic, as of
// its end offset now (tombstones remove their key).
func (l *stateLog) readAll(ctx context.Context) (map[string][]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*l.timeout)
	defer cancel()
	out := map[string][]byte{}
	_, err := l.kafka.ReadRange(ctx, l.topic, 0, -1, -1, func(_ int64, _ time.Time, key, value []byte) {
		if value == nil {
			delete(out, string(key))
		} else {
			out[string(key)] = value
		}
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", l.topic, err)
	}
	return out, nil
}

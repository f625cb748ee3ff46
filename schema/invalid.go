package schema

import (
	"errors"
	"fmt"
	"time"
)

// MaxInvalidKey is how much of a message's key its invalid record keeps,
// and the key it is written under: the first 1 KiB.
const MaxInvalidKey = 1 << 10

// NewInvalid is the invalid record of a message that could not be parsed
// or validated: why (reason), where it came from, its key (the first
// MaxInvalidKey bytes) and its bytes, seen at seen.
func NewInvalid(reason, topic string, partition int, offset int64, key, value []byte, seen time.Time) Invalid {
	if len(key) > MaxInvalidKey {
		key = key[:MaxInvalidKey]
	}
	return Invalid{
		Reason: reason, Topic: topic, Partition: partition, Offset: offset,
		Key: key, Value: value, ValueBytes: len(value), SeenAt: seen.UTC(),
	}
}

// PutInvalid encodes rec and hands it to put. A record that would be
// larger than limit has its value cut to the first bytes that let it fit,
// and its reason says so; when put refuses it all the same for its size
// (its error has a TooLarge method that says so, as net.Error has
// Timeout: a topic whose max.message.bytes is smaller), the value is cut
// to fit half that size, and so on, down to none: an invalid message never
// stops its partition for its size. put is told how many bytes of the
// value the record keeps; PutInvalid returns that of the record put, or
// put's last error.
func PutInvalid(rec Invalid, limit int, put func(b []byte, kept int) error) (kept int, err error) {
	for {
		b, kept, err := encodeInvalid(rec, limit)
		if err != nil {
			return 0, fmt.Errorf("encoding invalid record: %w", err)
		}
		err = put(b, kept)
		if err == nil || !refusedForSize(err) || kept == 0 {
			return kept, err
		}
		limit = len(b) / 2
	}
}

// encodeInvalid encodes rec, its value cut to its first bytes when the
// whole would make the record larger than limit: as many as fit (none when
// not even the rest fits), the reason saying how many of how many. It
// returns how many bytes of the value it kept.
func encodeInvalid(rec Invalid, limit int) (b []byte, kept int, err error) {
	b, err = EncodeRecord(rec)
	if err != nil || len(b) <= limit {
		return b, len(rec.Value), err
	}
	why, value := rec.Reason, rec.Value
	// The record without its value, with the longest note it may get: the
	// room left is the base64 of the value kept, 4 bytes per 3.
	rec.Reason, rec.Value = why+truncated(len(value), len(value)), value[:0]
	head, err := EncodeRecord(rec)
	if err != nil {
		return nil, 0, err
	}
	kept = min(max(limit-len(head), 0)/4*3, len(value))
	rec.Reason, rec.Value = why+truncated(kept, len(value)), value[:kept]
	b, err = EncodeRecord(rec)
	return b, kept, err
}

// truncated is the note a cut invalid record's reason ends with.
func truncated(kept, of int) string {
	return fmt.Sprintf("; value truncated to its first %d of %d bytes (value_bytes) to fit a Kafka record", kept, of)
}

// refusedForSize reports that a put refused a record for its size, which
// trying again cannot change.
func refusedForSize(err error) bool {
	var tl interface{ TooLarge() bool }
	return errors.As(err, &tl) && tl.TooLarge()
}

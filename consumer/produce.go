package consumer

import (
	"context"
	"errors"
	"fmt"

	"github.com/segmentio/kafka-go"
)

// Produce appends records (each a key and a value; a nil value is a
// tombstone) to topic's partition in one request, as one record batch,
// compressed, acknowledged by every in-sync replica: all of them or none.
// It returns the offset of the first. The Writer is for records of any
// partition, batched with others; Produce is for a partition the caller
// chooses, and the offsets it gets.
func (c *Client) Produce(ctx context.Context, topic string, partition int, records ...[2][]byte) (offset int64, err error) {
	krs := make([]kafka.Record, len(records))
	for i, r := range records {
		krs[i].Key = kafka.NewBytes(r[0])
		if r[1] != nil {
			krs[i].Value = kafka.NewBytes(r[1])
		}
	}
	res, err := c.cl.Produce(ctx, &kafka.ProduceRequest{
		Topic: topic, Partition: partition, RequiredAcks: kafka.RequireAll,
		Records: kafka.NewRecordReader(krs...), Compression: kafka.Snappy,
	})
	if err == nil {
		err = res.Error
		for _, rerr := range res.RecordErrors {
			err = errors.Join(err, rerr)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("producing %d records to %s/%d: %w", len(records), topic, partition, err)
	}
	return res.BaseOffset, nil
}

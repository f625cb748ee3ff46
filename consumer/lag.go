package consumer

import (
	"context"
	"errors"
	"fmt"

	"github.com/segmentio/kafka-go"
)

// GroupOffsets calls fn with, for every partition of topic in ascending
// order, the partition's span as it is now (the offset of its first
// record and the offset after its last) and consumer group group's
// committed offset for it: the next offset the group reads, -1 when the
// group has committed none. What a group has yet to read is then
// end - max(committed, first), or end - first when nothing is committed
// (postload's groups start from the first record). The span and the
// commit are read one after the other, not atomically: under load the
// two may be a few records apart. A topic that does not exist is a
// *MissingTopicError.
func (c *Client) GroupOffsets(ctx context.Context, group, topic string, fn func(partition int, first, committed, end int64)) error {
	type span struct{ first, end int64 }
	spans := map[int]span{}
	var order []int
	if err := c.Spans(ctx, topic, func(p int, first, end int64) {
		spans[p] = span{first, end}
		order = append(order, p)
	}); err != nil {
		return err
	}
	res, err := c.cl.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: order}})
	if err == nil && res.Error != nil {
		err = res.Error
	}
	if errors.Is(err, kafka.GroupIdNotFound) { // a group never made: nothing committed
		res, err = &kafka.OffsetFetchResponse{}, nil
	}
	if err != nil {
		return fmt.Errorf("reading the offsets group %s committed on %s: %w", group, topic, err)
	}
	committed := make(map[int]int64, len(order))
	for _, pr := range res.Topics[topic] {
		if pr.Error == nil {
			committed[pr.Partition] = pr.CommittedOffset
		}
	}
	for _, p := range order {
		off, ok := committed[p]
		if !ok || off < 0 {
			off = -1
		}
		fn(p, spans[p].first, off, spans[p].end)
	}
	return nil
}

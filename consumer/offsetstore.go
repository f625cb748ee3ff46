package consumer

import (
	"context"

	"github.com/segmentio/kafka-go"
)

// offsetStore is what a partition needs of its group's coordinator: to
// commit an offset with metadata (the progress beyond it), and to read the
// commit an earlier owner left. Tests fake it.
type offsetStore interface {
	commit(ctx context.Context, tp TopicPartition, offset int64, metadata string) error
	// committed returns the committed offset and its metadata; -1 and ""
	// when the partition has none or the coordinator reports an error for
	// it. An error means the request itself failed and may be made again.
	committed(ctx context.Context, tp TopicPartition) (offset int64, metadata string, err error)
}

// generationOffsets commits as a member of one generation of the group.
type generationOffsets struct {
	client *kafka.Client
	gen    *kafka.Generation
}

var _ offsetStore = generationOffsets{}

func (o generationOffsets) commit(ctx context.Context, tp TopicPartition, offset int64, metadata string) error {
	res, err := o.client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{
		GroupID: o.gen.GroupID, GenerationID: int(o.gen.ID), MemberID: o.gen.MemberID,
		Topics: map[string][]kafka.OffsetCommit{tp.Topic: {{Partition: tp.Partition, Offset: offset, Metadata: metadata}}},
	})
	if err != nil {
		return err
	}
	for _, pr := range res.Topics[tp.Topic] {
		if pr.Error != nil {
			return pr.Error
		}
	}
	return nil
}

func (o generationOffsets) committed(ctx context.Context, tp TopicPartition) (int64, string, error) {
	res, err := o.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: o.gen.GroupID, Topics: map[string][]int{tp.Topic: {tp.Partition}}})
	if err == nil && res.Error != nil {
		err = res.Error
	}
	if err != nil {
		return -1, "", err
	}
	for _, pr := range res.Topics[tp.Topic] {
		if pr.Partition == tp.Partition && pr.Error == nil {
			return pr.CommittedOffset, pr.Metadata, nil
		}
	}
	return -1, "", nil
}

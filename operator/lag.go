package operator

import (
	"context"
	"fmt"
	"strings"
)

// LagSection is each consumer group's lag: what it has yet to read of
// each of its topics.
type LagSection struct {
	Groups []GroupLag `json:"groups"`
	Error  string     `json:"error,omitempty"`
}

// GroupLag is one consumer group's lag, all its topics together.
type GroupLag struct {
	Group  string     `json:"group"`
	Lag    int64      `json:"lag"`
	Topics []TopicLag `json:"topics"`
}

// TopicLag is a group's lag on one topic.
type TopicLag struct {
	Topic      string         `json:"topic"`
	Lag        int64          `json:"lag"`
	Partitions []PartitionLag `json:"partitions"`
	Error      string         `json:"error,omitempty"`
}

// PartitionLag is a group's place in one partition: Committed is the
// next offset it reads (-1: it committed none, and reads from First), End
// the offset after the partition's last record, Lag the records between
// (those retention deleted are not counted).
type PartitionLag struct {
	Partition int   `json:"partition"`
	First     int64 `json:"first"`
	Committed int64 `json:"committed"`
	End       int64 `json:"end"`
	Lag       int64 `json:"lag"`
}

// partitionLag is the records of [max(committed, first), end).
func partitionLag(first, committed, end int64) int64 {
	return max(end-max(committed, first), 0)
}

// lag reads every group's commits and the spans of its topics.
func (s *Server) lag(ctx context.Context) LagSection {
	sec := LagSection{Groups: []GroupLag{}}
	var errs []string
	for _, g := range s.cfg.Groups {
		gl := GroupLag{Group: g.Name, Topics: []TopicLag{}}
		for _, topic := range g.Topics {
			tl := TopicLag{Topic: topic, Partitions: []PartitionLag{}}
			err := s.cfg.Offsets.GroupOffsets(ctx, g.Name, topic, func(p int, first, committed, end int64) {
				pl := PartitionLag{Partition: p, First: first, Committed: committed, End: end, Lag: partitionLag(first, committed, end)}
				tl.Partitions = append(tl.Partitions, pl)
				tl.Lag += pl.Lag
			})
			if err != nil {
				tl.Error = err.Error()
				errs = append(errs, fmt.Sprintf("group %s, topic %s: %v", g.Name, topic, err))
			}
			gl.Lag += tl.Lag
			gl.Topics = append(gl.Topics, tl)
		}
		sec.Groups = append(sec.Groups, gl)
	}
	if len(errs) > 0 {
		sec.Error = "reading the consumer groups' offsets: " + strings.Join(errs, "; ")
	}
	return sec
}

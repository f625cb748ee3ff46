package consumer

import "sync"

// Stats are a group's live figures, read by metrics.
type Stats struct {
	mu      sync.Mutex
	offsets map[TopicPartition]int64
}

// TopicPartition names one partition of one topic.
type TopicPartition struct {
	Topic     string
	Partition int
}

func newStats() *Stats { return &Stats{offsets: make(map[TopicPartition]int64)} }

func (s *Stats) committed(topic string, partition int, offset int64) {
	s.mu.Lock()
	s.offsets[TopicPartition{topic, partition}] = offset
	s.mu.Unlock()
}

// Committed returns the last offset this process committed per partition.
func (s *Stats) Committed() map[TopicPartition]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[TopicPartition]int64, len(s.offsets))
	for k, v := range s.offsets {
		out[k] = v
	}
	return out
}

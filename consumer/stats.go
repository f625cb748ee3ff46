package consumer

import "sync"

// Stats are a group's live figures for the partitions this process owns,
// read by metrics.
type Stats struct {
	mu    sync.Mutex
	parts map[TopicPartition]PartitionStats
	lostN map[string]int64 // by topic
}

// TopicPartition names one partition of one topic.
type TopicPartition struct {
	Topic     string
	Partition int
}

// PartitionStats are one owned partition's offsets.
type PartitionStats struct {
	// Committed is the last offset this process committed (-1: none yet).
	Committed int64
	// HighWater is the partition's end offset as of the latest fetch.
	HighWater int64
}

// Lag is how many records of the partition are not yet committed.
func (p PartitionStats) Lag() int64 {
	if p.Committed < 0 || p.HighWater < p.Committed {
		return max(p.HighWater, 0)
	}
	return p.HighWater - p.Committed
}

func newStats() *Stats {
	return &Stats{parts: make(map[TopicPartition]PartitionStats), lostN: make(map[string]int64)}
}

func (s *Stats) update(tp TopicPartition, f func(*PartitionStats)) {
	s.mu.Lock()
	p, ok := s.parts[tp]
	if !ok {
		p = PartitionStats{Committed: -1}
	}
	f(&p)
	s.parts[tp] = p
	s.mu.Unlock()
}

func (s *Stats) committed(tp TopicPartition, offset int64) {
	s.update(tp, func(p *PartitionStats) { p.Committed = offset })
}

func (s *Stats) fetched(tp TopicPartition, highWater int64) {
	s.update(tp, func(p *PartitionStats) { p.HighWater = highWater })
}

func (s *Stats) started(tp TopicPartition, committed int64) {
	s.update(tp, func(p *PartitionStats) { p.Committed = committed })
}

func (s *Stats) released(tp TopicPartition) {
	s.mu.Lock()
	delete(s.parts, tp)
	s.mu.Unlock()
}

// Partitions returns the figures of every partition this process owns.
func (s *Stats) Partitions() map[TopicPartition]PartitionStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[TopicPartition]PartitionStats, len(s.parts))
	for k, v := range s.parts {
		out[k] = v
	}
	return out
}

func (s *Stats) lost(topic string, n int64) {
	s.mu.Lock()
	s.lostN[topic] += n
	s.mu.Unlock()
}

// SkippedByRetention returns, by topic, how many records this process's
// partition workers skipped since it started because the broker had deleted
// them (retention, DeleteRecords) before the group read them: records that
// were never handled.
func (s *Stats) SkippedByRetention() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.lostN))
	for k, v := range s.lostN {
		out[k] = v
	}
	return out
}

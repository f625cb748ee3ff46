package attemptlog

import (
	"errors"
	"time"
)

// DefaultTopic is the delivery log's topic (before --topic-prefix).
const DefaultTopic = "postload.attempts"

// partitionOf is the partition of hookID's records among n: the hook id
// modulo n, so one hook's attempts are in one partition, in the order
// they were written, whichever process wrote them.
func partitionOf(hookID int64, n int) int {
	if hookID < 0 {
		hookID = -hookID
	}
	return int(hookID % int64(n))
}

var errNoHook = errors.New("no hook_id")

// Defaults of the topic's retention, which serve's flags use.
const (
	// DefaultRetention is how long the topic keeps a record.
	DefaultRetention = 7 * 24 * time.Hour
	// DefaultRetentionBytes bounds each partition of the topic: 128 MiB,
	// so 512 MiB of disk at serve's default 4 partitions, and what an
	// api process reads at start to rebuild its index. A record is about
	// 300 bytes (up to 2 KiB with a full response snippet and error), so
	// a partition holds some 400 000 attempts: more than the index keeps
	// by default (DefaultIndexBytes), which is what the API answers from.
	DefaultRetentionBytes = 128 << 20
)

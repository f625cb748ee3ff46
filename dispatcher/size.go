package dispatcher

// Sizes of events and of the records written about them. A load event is
// carried whole by every record written about it: a retry record and a
// dead letter hold it as a JSON string, an invalid record as base64.

const (
	// DefaultMaxEventBytes is the default largest load event: 4 MiB.
	// The schema sets no bound on a payload's tables (one per table
	// loaded, its subtables from de-nested arrays among them, about 210
	// bytes each), and a load of 10,000 tables makes a valid event of 2.1
	// MB: 4 MiB takes about 20,000. Records about such an event take up
	// to RecordBytes, 8 MiB and 64 KiB, which a Kafka broker takes once
	// the topic's max.message.bytes allows it (postload sets it on the
	// topics it creates), well below the 100 MiB of a broker's
	// socket.request.max.bytes. Memory follows: an event in flight is held
	// about twice (its record and its payload), so a process holds up to
	// about 2 × in-flight × the size of the events in flight; events are
	// typically a few KB, and the limit is the ceiling for the rare big one.
	DefaultMaxEventBytes = 4 << 20
	// MinEventBytes and MaxEventBytes bound Config.MaxEventBytes. Above
	// 32 MiB, a record about an event (twice its size) and the batch
	// holding it would near a broker's 100 MiB request limit.
	MinEventBytes = 1 << 10
	MaxEventBytes = 32 << 20

	// recordOverhead bounds what a record holds besides its events: up to
	// 21 attempts with their error texts (512 bytes each, escaped at most
	// twice over), the hook's URL (2 KiB at most), the invalid record's
	// reason, key and source.
	recordOverhead = 64 << 10
)

// RecordBytes is the largest record the dispatcher writes when events are
// at most maxEventBytes: a retry record or dead letter carries its event as
// a JSON string, which escaping makes at most twice as long (a quote or
// backslash is two bytes, U+2028 six for three; a valid event holds no
// other character JSON escapes), with its attempts besides; a group holds
// at most 512 KiB of deliveries (a delivery larger than that is written
// alone); an invalid record has its value cut to fit (see Invalid). The
// Publisher and every topic the dispatcher writes to must take records of
// this size.
func RecordBytes(maxEventBytes int) int {
	return max(2*maxEventBytes, groupMaxBytes) + recordOverhead
}

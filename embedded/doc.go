// Package embedded runs postload's in-process Kafka-protocol broker (kfake)
// and applies retention to its data topics itself. Its defaults (the
// address, the retention interval, the size bound postload gives the data
// topics) are exported constants that cmd/postload's flags use.
//
// kfake keeps records in segment files under its data directory (8 MiB
// each here) and, in memory, an index entry of about 100 bytes per record
// batch; on start it reads every segment once, partitions in parallel, so
// its peak there is about 2.5 times one segment per partition holding
// data. Its own retention (retention.ms, retention.bytes) deletes records
// whether or not anyone has read them. So the topics a consumer group
// reads are kept without broker-side deletion, and a Trimmer deletes their
// oldest records (DeleteRecords) only below the lowest offset every group
// reading the topic has committed, and only those past the retention
// bounds.
//
// Guarantees:
//   - A record of a trimmed topic is deleted only once every group that
//     reads the topic has committed an offset past it. A partition on
//     which one of them has committed nothing is not trimmed at all.
//   - Records past the bounds that a group has not read are kept, however
//     many, and logged at warn level while they are.
package embedded

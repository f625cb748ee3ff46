// Package bench measures postload against the machine's own ceiling, in one
// process tree on loopback: an in-process Kafka-protocol broker (kfake), the
// postload binary under test as a child process pointed at it, and HTTPS
// receivers (TLS 1.3, keep-alive) in this process.
//
// Scenarios: ceiling (a plain Go HTTPS client, no Kafka), throughput (1 and
// 10 hooks per event), latency at half load, isolation (one black-holed hook
// of ten), retry timing, and memory under backlog. Each prints one summary
// line; the whole report is also written as JSON.
package bench

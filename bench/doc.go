// Package bench measures postload against the machine's own ceiling, in one
// process tree on loopback: HTTPS receivers (TLS 1.3, keep-alive) and the
// producer in this process; as child processes, the Kafka-protocol broker
// (kfake, `postload bench broker`), the postload binary under test pointed
// at it, and the ceiling's plain HTTPS client (`postload bench client`).
//
// Scenarios: ceiling (a plain Go HTTPS client, no Kafka), throughput (1 and
// 10 hooks per event), latency at half load, isolation (one black-holed hook
// of ten), retry timing, memory under backlog, and crash (the requests a
// kill -9 of one of two instances repeats; it runs a second postload
// instance). Each prints one summary line; the whole report is also written
// as JSON.
package bench

// Package schema holds the messages postload reads and writes: the load
// event and load failure that the loader puts on Kafka, and every record the
// service writes itself (retry records, dead letters, invalid-message
// records, hooks and recipients). Each has a JSON Schema (2020-12) embedded
// from this folder and a Go type beside it.
//
// A Decode function accepts a message only if it is valid JSON, valid UTF-8
// and valid against its schema; otherwise it returns an error whose text is
// the reason recorded on the invalid topic. schema imports no other package
// of the project.
package schema

package schema

import (
	"bytes"
	"encoding/json"
)

// EncodeRecord encodes a record as json.Marshal does but leaves <, > and &
// as they are: records are read by postload, not put into HTML, and
// escaped as \u003c, \u003e and \u0026 they would keep every record whose
// event holds one of them off the decoders' fast paths.
func EncodeRecord(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

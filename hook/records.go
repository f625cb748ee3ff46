package hook

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/postload/postload/schema"
)

// parseKey reads a record key: the decimal id.
func parseKey(key []byte) (int64, error) {
	id, err := strconv.ParseInt(string(key), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("key is not a positive decimal id (%d bytes)", len(key))
	}
	return id, nil
}

// decodeHookRecord decodes a record of the hooks topic. It returns nil for a
// tombstone (which postload never writes, but treats as a delete).
func decodeHookRecord(key, value []byte) (int64, *schema.Hook, error) {
	id, err := parseKey(key)
	if err != nil || value == nil {
		return id, nil, err
	}
	h, err := schema.DecodeHook(value)
	if err != nil {
		return 0, nil, fmt.Errorf("value: %w", err)
	}
	if h.ID != id {
		return 0, nil, fmt.Errorf("value id %d differs from key %d", h.ID, id)
	}
	return id, &h, nil
}

// decodeRecipientRecord decodes a record of the recipients topic. It returns
// nil for a tombstone.
func decodeRecipientRecord(key, value []byte) (int64, *schema.Recipient, error) {
	id, err := parseKey(key)
	if err != nil || value == nil {
		return id, nil, err
	}
	r, err := schema.DecodeRecipient(value)
	if err != nil {
		return 0, nil, fmt.Errorf("value: %w", err)
	}
	if r.ID != id {
		return 0, nil, fmt.Errorf("value id %d differs from key %d", r.ID, id)
	}
	return id, &r, nil
}

// safeReason is err's text cut before the first quoted value: a decoder's
// reason may quote a field, and a hook's fields include its signing secret
// and URL, which are never logged.
func safeReason(err error) string {
	reason := err.Error()
	if i := strings.IndexAny(reason, "'\"`"); i >= 0 {
		return reason[:i] + "(value not logged)"
	}
	return reason
}

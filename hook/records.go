package hook

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/postload/postload/egress"
	"github.com/postload/postload/schema"
)

// record is one decoded record of the hooks or recipients topic.
type record struct {
	id      int64
	client  int64
	origin  origin
	deleted bool
	obj     any // *schema.Hook or *schema.Recipient; nil for a tombstone
	// repair says how a hook's URL was changed into its normal form, or why
	// it cannot be served as written; empty when neither.
	repair repair
}

// repair is what the registry did about a hook URL that is not in the
// normal form of egress.NormalizeURL: records written before that form
// existed.
type repair int

const (
	repairNone       repair = iota
	repairNormalized        // the URL was rewritten to its normal form
	repairRefused           // the URL is refused now: deliveries to it fail
)

// parseKey reads a record key: the decimal id.
func parseKey(key []byte) (int64, error) {
	id, err := strconv.ParseInt(string(key), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("key is not a positive decimal id (%d bytes)", len(key))
	}
	return id, nil
}

// readOrigin reads the registry-only members create and created_offset
// (already checked by the schema).
func readOrigin(value []byte) origin {
	o := origin{offset: legacyOffset}
	r := gjson.GetManyBytes(value, "create", "created_offset", "deleted_offset")
	o.create = r[0].Type == gjson.True
	if r[1].Exists() {
		o.offset = r[1].Int()
	}
	if r[2].Exists() {
		o.deleted = r[2].Int()
	}
	return o
}

// decodeHookRecord decodes a record of the hooks topic, with the hook's
// URL in its normal form; obj is nil for a tombstone (which postload writes
// only for a creation its account's limit refused). checkURL, if set, is
// the SSRF guard's check of the normal form.
func decodeHookRecord(key, value []byte, checkURL func(string) error) (record, error) {
	id, err := parseKey(key)
	if err != nil || value == nil {
		return record{id: id}, err
	}
	h, err := schema.DecodeHook(value)
	if err != nil {
		return record{}, fmt.Errorf("value: %w", err)
	}
	if h.ID != id {
		return record{}, fmt.Errorf("value id %d differs from key %d", h.ID, id)
	}
	rec := record{id: id, client: h.ClientID, origin: readOrigin(value), deleted: h.DeletedAt != nil, obj: &h}
	switch url, err := egress.NormalizeURL(h.Config.URL); {
	case err != nil:
		rec.repair = repairRefused
	case url != h.Config.URL:
		h.Config.URL, rec.repair = url, repairNormalized
		fallthrough
	default:
		if checkURL != nil && checkURL(url) != nil {
			rec.repair = repairRefused
		}
	}
	return rec, nil
}

// decodeRecipientRecord decodes a record of the recipients topic; obj is
// nil for a tombstone.
func decodeRecipientRecord(key, value []byte) (record, error) {
	id, err := parseKey(key)
	if err != nil || value == nil {
		return record{id: id}, err
	}
	r, err := schema.DecodeRecipient(value)
	if err != nil {
		return record{}, fmt.Errorf("value: %w", err)
	}
	if r.ID != id {
		return record{}, fmt.Errorf("value id %d differs from key %d", r.ID, id)
	}
	return record{id: id, client: r.ClientID, origin: readOrigin(value), deleted: r.DeletedAt != nil, obj: &r}, nil
}

// encodeRecord is the value written for obj (a schema.Hook or
// schema.Recipient): the object, plus where it was created (see origin).
func encodeRecord(obj any, o origin) ([]byte, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("hook: encode record: %w", err)
	}
	var extra string
	switch {
	case o.create:
		extra = `,"create":true`
	case o.offset >= 0:
		extra = `,"created_offset":` + strconv.FormatInt(o.offset, 10)
	}
	if o.deleted > 0 {
		extra += `,"deleted_offset":` + strconv.FormatInt(o.deleted, 10)
	}
	if extra == "" {
		return b, nil
	}
	return append(b[:len(b)-1], extra+"}"...), nil
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

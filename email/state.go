package email

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The state topic (Config.StateTopic, compacted, one partition) keeps what
// must survive a restart or move with a partition, keyed
// "<topic>/<partition>/<kind>/<id>" by the input partition that owns it:
//
//	.../hook/<hook id>        hookState: the hook's open digest window
//	.../account/<client id>   accountState: the account's failed-load window
//	.../email/<letter id>     letter: an email owed; a tombstone once sent
//
// A hook's and an account's records stay (small) after their window
// closed: they remember which records were folded already.

// partition is an input partition of the email role.
type partition struct {
	topic string
	id    int
}

func (p partition) String() string { return p.topic + "/" + strconv.Itoa(p.id) }

func (p partition) hookKey(id int64) string {
	return p.String() + "/hook/" + strconv.FormatInt(id, 10)
}

func (p partition) accountKey(id int64) string {
	return p.String() + "/account/" + strconv.FormatInt(id, 10)
}

func (p partition) emailKey(id string) string { return p.String() + "/email/" + id }

// hookState is what a hook's dead letters left behind.
type hookState struct {
	HookID   int64 `json:"hook_id"`
	ClientID int64 `json:"client_id"`
	// Through is the highest offset of the partition folded for this hook
	// (-1: none): a record at or below it was folded already.
	Through int64   `json:"through"`
	Window  *window `json:"window,omitempty"`
	// NoticeSince is the failing_since of the last auto-disable notice
	// mailed for the hook (kept in the partition of its account's
	// notices): a notice of the same streak is not mailed again.
	NoticeSince *time.Time `json:"notice_since,omitempty"`
}

// window is a hook's digest window. It opens with the hook's first dead
// letter (mailed at once unless it is hook_disabled) and closes at End with
// one digest of the dead letters folded into it meanwhile.
type window struct {
	Opened     int64            `json:"opened"` // offset of the dead letter that opened it
	Start      time.Time        `json:"start"`
	End        time.Time        `json:"end"`
	URL        string           `json:"url"` // of the latest dead letter, as shownURL gives it
	GoneMailed bool             `json:"gone_mailed,omitempty"`
	Folded     int              `json:"folded"`              // dead letters folded into the digest
	ByReason   map[string]int   `json:"by_reason,omitempty"` // folded, by reason
	Sent       int              `json:"sent"`                // requests sent for the folded ones
	Skipped    int              `json:"skipped"`             // their attempts the open breaker skipped
	First      time.Time        `json:"first,omitzero"`      // earliest dead_at folded
	Last       time.Time        `json:"last,omitzero"`       // latest dead_at folded
	Listed     []deadLetterView `json:"listed,omitempty"`    // the first DigestListMax folded
}

// accountState is what an account's failed loads left behind.
type accountState struct {
	ClientID int64 `json:"client_id"`
	// Sources is, per load-failed partition ("<topic>/<partition>"), the
	// highest offset folded: a record forwarded again is counted once.
	Sources map[string]int64 `json:"sources"`
	Batch   *failedBatch     `json:"batch,omitempty"`
}

// failedBatch collects an account's failed loads from the first one until
// End, when one email lists every affected table.
type failedBatch struct {
	Opened  int64          `json:"opened"` // offset of the record that opened it
	Start   time.Time      `json:"start"`
	End     time.Time      `json:"end"`
	Records int            `json:"records"`
	Tables  []tableFailure `json:"tables"` // in the order they first failed
}

// tableFailure is what the email says about one table.
type tableFailure struct {
	DestinationID int64     `json:"destination_id"`
	Integration   string    `json:"integration"`
	Table         string    `json:"table"`
	Error         string    `json:"error"` // the latest
	First         time.Time `json:"first"`
	Last          time.Time `json:"last"`
	Count         int       `json:"count"`
}

// partState is the state of one input partition.
type partState struct {
	hooks    map[int64]*hookState
	accounts map[int64]*accountState
	owed     map[string]*letter // by letter id
}

func newPartState() *partState {
	return &partState{hooks: map[int64]*hookState{}, accounts: map[int64]*accountState{}, owed: map[string]*letter{}}
}

// parseState sorts the records read from the state topic (key → value,
// tombstones already applied) by input partition. A record that does not
// decode is reported to bad and left out.
func parseState(records map[string][]byte, bad func(key string, err error)) map[partition]*partState {
	out := map[partition]*partState{}
	for key, value := range records {
		src, kind, id, err := parseKey(key)
		if err == nil {
			err = parseRecord(out, src, kind, id, value)
		}
		if err != nil {
			bad(key, err)
		}
	}
	return out
}

func parseRecord(out map[partition]*partState, src partition, kind, id string, value []byte) error {
	ps := out[src]
	if ps == nil {
		ps = newPartState()
		out[src] = ps
	}
	switch kind {
	case "hook":
		var h hookState
		if err := json.Unmarshal(value, &h); err != nil {
			return err
		}
		ps.hooks[h.HookID] = &h
	case "account":
		var a accountState
		if err := json.Unmarshal(value, &a); err != nil {
			return err
		}
		if a.Sources == nil {
			a.Sources = map[string]int64{}
		}
		ps.accounts[a.ClientID] = &a
	case "email":
		var l letter
		if err := json.Unmarshal(value, &l); err != nil {
			return err
		}
		ps.owed[l.ID] = &l
	default:
		return fmt.Errorf("unknown kind %q", kind)
	}
	return nil
}

// parseKey splits "<topic>/<partition>/<kind>/<id>".
func parseKey(key string) (src partition, kind, id string, err error) {
	parts := strings.Split(key, "/")
	if len(parts) != 4 {
		return src, "", "", fmt.Errorf("key %q is not <topic>/<partition>/<kind>/<id>", key)
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n < 0 {
		return src, "", "", fmt.Errorf("key %q has partition %q", key, parts[1])
	}
	return partition{parts[0], n}, parts[2], parts[3], nil
}

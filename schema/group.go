package schema

import (
	"bytes"
	"fmt"
	"time"

	"github.com/tidwall/gjson"
)

// Group is a retry record (value of postload.retry.N) that holds several
// deliveries to one hook, all waiting for the same attempt. postload
// writes one for deliveries that the hook's breaker or bulkhead refused
// without a request at about the same time: a dead endpoint's deliveries
// then travel the tiers one record per group rather than one per event.
// Key = client id.
type Group struct {
	HookID  int64     `json:"hook_id"`
	Attempt int       `json:"attempt"`
	DueAt   time.Time `json:"due_at"`
	// Error is the error of the group's last attempt; empty while the
	// group has made none.
	Error string `json:"error"`
	// Attempts are the attempts the deliveries made together, as a group,
	// oldest first: each delivery's attempts are its own, then these.
	Attempts []Attempt `json:"attempts"`
	// Deliveries is last, so that a tier reads the fields above without
	// scanning the events.
	Deliveries []Member `json:"deliveries"`
}

// Member is a delivery of a group as it was when it joined the group.
type Member struct {
	Event    string    `json:"event"`
	Error    string    `json:"error"`
	Attempts []Attempt `json:"attempts"`
}

// NewGroup returns the group of dls, which must all be for one hook and
// wait for the same attempt; it is due when the last of them is.
func NewGroup(dls []Delivery) Group {
	g := Group{HookID: dls[0].HookID, Attempt: dls[0].Attempt, Attempts: []Attempt{}, Deliveries: make([]Member, len(dls))}
	for i, dl := range dls {
		if dl.DueAt.After(g.DueAt) {
			g.DueAt = dl.DueAt
		}
		if dl.Attempts == nil {
			dl.Attempts = []Attempt{}
		}
		g.Deliveries[i] = Member{Event: dl.Event, Error: dl.Error, Attempts: dl.Attempts}
	}
	return g
}

// Split returns the deliveries of g, each as the retry record of its own it
// stands for.
func (g Group) Split() []Delivery {
	out := make([]Delivery, len(g.Deliveries))
	for i, m := range g.Deliveries {
		dl := Delivery{Event: m.Event, HookID: g.HookID, Attempt: g.Attempt, DueAt: g.DueAt, Error: m.Error,
			Attempts: append(append(make([]Attempt, 0, len(m.Attempts)+len(g.Attempts)), m.Attempts...), g.Attempts...)}
		if len(g.Attempts) > 0 {
			dl.Error = g.Error
		}
		out[i] = dl
	}
	return out
}

// IsGroup reports that the retry record b is a group (has "deliveries").
func IsGroup(b []byte) bool { return gjson.GetBytes(b, "deliveries").Exists() }

// DecodeGroup decodes a group record into the deliveries it holds, each as
// the retry record of its own it stands for. It checks the group against
// its schema but not the deliveries' events: CheckDelivery does that for
// each, so that one bad delivery does not take the others with it.
func DecodeGroup(b []byte) ([]Delivery, error) {
	g, err := decode[Group](schemas().group, b, "")
	if err != nil {
		return nil, err
	}
	return g.Split(), nil
}

// CheckDelivery checks what a delivery of a group needs beyond the group's
// schema, as DecodeRetry checks a record of its own: its event is a load
// event that DecodeLoadEvent accepts, which it returns, and it has no more
// attempts than a retry record may hold.
func CheckDelivery(d Delivery) (LoadEvent, error) {
	if len(d.Attempts) > MaxAttempts {
		return LoadEvent{}, invalid(fmt.Sprintf("%d attempts with the group's, more than %d", len(d.Attempts), MaxAttempts), nil)
	}
	return checkEvent(d.Event)
}

// MaxAttempts is the most attempts a retry record holds
// (delivery.schema.json): the first and at most 20 retries.
const MaxAttempts = 21

// peekGroup reads a group record as far as handing it on needs: every field
// except the deliveries checked as the fast decoder of retry records checks
// them; the deliveries kept as they are (a non-empty array of objects).
func peekGroup(b []byte) (Forward, bool) {
	var f [len(groupKeys)]gjson.Result
	// gjson's Index counts from the first non-blank byte: a record of ours
	// starts with its brace.
	if len(b) == 0 || b[0] != '{' {
		return Forward{}, false
	}
	if !object(gjson.ParseBytes(b), groupKeys[:], true, f[:]) || !f[5].IsArray() || f[5].Index <= 0 {
		return Forward{}, false
	}
	// The fast paths' rules for the text, outside the deliveries.
	rest := [][]byte{b[:f[5].Index], b[f[5].Index+len(f[5].Raw):]}
	for _, r := range rest {
		if bytes.Contains(r, []byte(`\u`)) || !utf8Plain(r) {
			return Forward{}, false
		}
	}
	if !gjson.ValidBytes(b) || f[3].Type != gjson.String {
		return Forward{}, false
	}
	head, ok := fastHead(f[0], f[1], f[2], f[4])
	if !ok {
		return Forward{}, false
	}
	head.Error = f[3].Str
	fw := Forward{HookID: head.HookID, Attempt: head.Attempt, head: head, group: true, members: f[5].Raw}
	objects := true
	f[5].ForEach(func(_, v gjson.Result) bool {
		fw.Deliveries++
		objects = v.IsObject()
		return objects
	})
	if !objects || fw.Deliveries == 0 || fw.Deliveries > 1000 {
		return Forward{}, false
	}
	return fw, true
}

var groupKeys = [...]string{"hook_id", "attempt", "due_at", "error", "attempts", "deliveries"}

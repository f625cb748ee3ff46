package hook

import (
	"cmp"
	"slices"

	"github.com/postload/postload/schema"
)

// matchKey is the dispatcher's lookup key: an account's destination.
type matchKey struct{ client, destination int64 }

// view is the state of both topics: live (not deleted) hooks and recipients
// with their indexes. It is not safe for concurrent use; the Store guards it.
// Every slice it holds is replaced, never modified in place, so a slice
// handed out stays valid and unchanged.
type view struct {
	hooks      map[int64]schema.Hook
	hookIDs    map[int64][]int64          // client id → sorted ids of live hooks
	match      map[matchKey][]schema.Hook // enabled hooks, sorted by id
	recipients map[int64]schema.Recipient
	recipIDs   map[int64][]int64 // client id → sorted ids of live recipients
}

func newView() view {
	return view{
		hooks:      make(map[int64]schema.Hook),
		hookIDs:    make(map[int64][]int64),
		match:      make(map[matchKey][]schema.Hook),
		recipients: make(map[int64]schema.Recipient),
		recipIDs:   make(map[int64][]int64),
	}
}

// putHook applies the latest record of hook id: h, or nil for a tombstone.
// A hook with deleted_at set is removed.
func (v *view) putHook(id int64, h *schema.Hook) {
	if old, ok := v.hooks[id]; ok {
		delete(v.hooks, id)
		setIDs(v.hookIDs, old.ClientID, without(v.hookIDs[old.ClientID], id))
		v.unindex(old)
	}
	if h == nil || h.DeletedAt != nil {
		return
	}
	v.hooks[id] = *h
	setIDs(v.hookIDs, h.ClientID, withID(v.hookIDs[h.ClientID], id))
	if h.Enabled() {
		k := matchKey{h.ClientID, h.DestinationID}
		hs := v.match[k]
		i, _ := slices.BinarySearchFunc(hs, id, func(h schema.Hook, id int64) int { return cmp.Compare(h.ID, id) })
		v.match[k] = slices.Insert(slices.Clone(hs), i, *h)
	}
}

func (v *view) unindex(old schema.Hook) {
	k := matchKey{old.ClientID, old.DestinationID}
	hs := slices.DeleteFunc(slices.Clone(v.match[k]), func(h schema.Hook) bool { return h.ID == old.ID })
	if len(hs) == 0 {
		delete(v.match, k)
		return
	}
	v.match[k] = hs
}

// putRecipient applies the latest record of recipient id: r, or nil for a
// tombstone. A recipient with deleted_at set is removed.
func (v *view) putRecipient(id int64, r *schema.Recipient) {
	if old, ok := v.recipients[id]; ok {
		delete(v.recipients, id)
		setIDs(v.recipIDs, old.ClientID, without(v.recipIDs[old.ClientID], id))
	}
	if r == nil || r.DeletedAt != nil {
		return
	}
	v.recipients[id] = *r
	setIDs(v.recipIDs, r.ClientID, withID(v.recipIDs[r.ClientID], id))
}

// hooksOf returns the live hooks of an account, ordered by id.
func (v *view) hooksOf(client int64) []schema.Hook {
	out := make([]schema.Hook, 0, len(v.hookIDs[client]))
	for _, id := range v.hookIDs[client] {
		out = append(out, cloneHook(v.hooks[id]))
	}
	return out
}

// recipientsOf returns the live recipients of an account, ordered by id.
func (v *view) recipientsOf(client int64) []schema.Recipient {
	out := make([]schema.Recipient, 0, len(v.recipIDs[client]))
	for _, id := range v.recipIDs[client] {
		out = append(out, cloneRecipient(v.recipients[id]))
	}
	return out
}

func setIDs(m map[int64][]int64, client int64, ids []int64) {
	if len(ids) == 0 {
		delete(m, client)
		return
	}
	m[client] = ids
}

// withID returns a sorted copy of ids with id added.
func withID(ids []int64, id int64) []int64 {
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids
	}
	return slices.Insert(slices.Clone(ids), i, id)
}

// without returns a copy of ids without id.
func without(ids []int64, id int64) []int64 {
	return slices.DeleteFunc(slices.Clone(ids), func(x int64) bool { return x == id })
}

// cloneHook copies h so that the caller cannot change the view through its
// pointers.
func cloneHook(h schema.Hook) schema.Hook {
	h.DisabledAt = cloneTime(h.DisabledAt)
	h.DeletedAt = cloneTime(h.DeletedAt)
	if h.AutoDisabled != nil {
		a := *h.AutoDisabled
		h.AutoDisabled = &a
	}
	return h
}

func cloneRecipient(r schema.Recipient) schema.Recipient {
	r.DisabledAt = cloneTime(r.DisabledAt)
	r.DeletedAt = cloneTime(r.DeletedAt)
	return r
}

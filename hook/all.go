package hook

import (
	"slices"

	"github.com/postload/postload/schema"
)

// AllHooks returns every live hook of every account, disabled ones
// included, ordered by account then id: what the operator view reads. It
// copies them under the read lock, so it costs one pass over the hooks.
func (s *Store) AllHooks() []schema.Hook {
	s.mu.RLock()
	defer s.mu.RUnlock()
	clients := make([]int64, 0, len(s.v.hookIDs))
	for c := range s.v.hookIDs {
		clients = append(clients, c)
	}
	slices.Sort(clients)
	out := make([]schema.Hook, 0, len(s.v.hooks))
	for _, c := range clients {
		out = append(out, s.v.hooksOf(c)...)
	}
	return out
}

package hook

// Stats is a snapshot of a Store, for metrics.
type Stats struct {
	// Ready is Ready().
	Ready bool
	// Hooks and Recipients count the live (not deleted) objects of all
	// accounts.
	Hooks, Recipients int
	// BadRecords counts the records skipped since the Store was made.
	BadRecords int64
}

// Stats returns a snapshot of the Store.
func (s *Store) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return Stats{
		Ready:      s.Ready(),
		Hooks:      len(s.v.hooks),
		Recipients: len(s.v.recipients),
		BadRecords: s.badRecords.Load(),
	}
}

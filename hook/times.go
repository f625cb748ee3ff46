package hook

import "time"

// stamp is the API's form of a time: UTC, whole seconds.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// SetClock makes s stamp the times it writes (created_at, modified_at,
// disabled_at, deleted_at, a rotated secret's expiry) with now instead of
// time.Now, as tests of its callers need. Call it before Run.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

package hook

import "context"

// nextID allocates an id: one plus the offset of a record produced to the
// one-partition ids topic. Offsets are unique and never reused, so ids are
// unique across accounts, instances and restarts; hooks and recipients
// share the sequence.
func (s *Store) nextID(ctx context.Context) (int64, error) {
	off, err := s.produce(ctx, s.cfg.IDsTopic, []byte("id"), []byte("{}"))
	if err != nil {
		return 0, err
	}
	return off + 1, nil
}

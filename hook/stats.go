package hook

import (
	"go.uber.org/zap"
)

// Stats is a snapshot of a Store, for metrics.
type Stats struct {
	// Ready is Ready().
	Ready bool
	// Hooks and Recipients count the live (not deleted) objects of all
	// accounts.
	Hooks, Recipients int
	// Problems counts the records read since the Store was made that it
	// could not load as written, by kind.
	Problems map[ProblemKind]int64
}

// ProblemKind is what was wrong with a record of the registry's topics.
type ProblemKind string

// The kinds of problem records.
const (
	// ProblemSkipped: the record does not decode (not written by
	// postload): skipped.
	ProblemSkipped ProblemKind = "skipped"
	// ProblemURLNormalized: a hook whose URL was not in its normal form,
	// written before URLs were normalized: loaded with the normal form.
	ProblemURLNormalized ProblemKind = "url_normalized"
	// ProblemURLRefused: a hook whose URL the URL rules or the SSRF guard
	// refuse now: loaded and listed, so that its account can see and
	// delete it; deliveries to it fail.
	ProblemURLRefused ProblemKind = "url_refused"
)

// Problem is one record the Store could not load as written.
type Problem struct {
	Topic  string      `json:"topic"`
	Offset int64       `json:"offset"`
	ID     int64       `json:"id"` // the object's id; 0 when the record has none
	Kind   ProblemKind `json:"problem"`
	Reason string      `json:"reason"` // never holds a secret or a URL
}

// maxProblems bounds the problems a Store remembers (the counts go on).
const maxProblems = 1000

// problem records and logs a record that could not be loaded as written:
// at error level when the record is skipped or its hook cannot be served,
// at warning level when it was repaired.
func (s *Store) problem(topic string, offset, id int64, kind ProblemKind, reason string, log *zap.Logger) {
	level := zap.ErrorLevel
	msg := "registry record skipped"
	switch kind {
	case ProblemURLNormalized:
		level, msg = zap.WarnLevel, "registry record repaired"
	case ProblemURLRefused:
		msg = "registry record loaded with a URL that cannot be served"
	}
	log.Log(level, msg, zap.Int64("offset", offset), zap.Int64("id", id), zap.String("problem", string(kind)), zap.String("reason", reason))
	s.probMu.Lock()
	defer s.probMu.Unlock()
	s.probCounts[kind]++
	if len(s.problems) < maxProblems {
		s.problems = append(s.problems, Problem{Topic: topic, Offset: offset, ID: id, Kind: kind, Reason: reason})
	}
}

// Problems returns the first records (at most 1000) the Store could not
// load as written since it was made, in the order read.
func (s *Store) Problems() []Problem {
	s.probMu.Lock()
	defer s.probMu.Unlock()
	return append([]Problem(nil), s.problems...)
}

// Stats returns a snapshot of the Store.
func (s *Store) Stats() Stats {
	st := Stats{Ready: s.Ready(), Problems: map[ProblemKind]int64{}}
	s.mu.RLock()
	st.Hooks, st.Recipients = len(s.v.hooks), len(s.v.recipients)
	s.mu.RUnlock()
	s.probMu.Lock()
	for k, n := range s.probCounts {
		st.Problems[k] = n
	}
	s.probMu.Unlock()
	return st
}

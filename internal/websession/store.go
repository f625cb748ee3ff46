package websession

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/internal/backoff"
)

// Session is one sign-in: ID is the cookie's value, CSRF the token its
// forms carry (derived from ID), Data what the page keeps of it.
type Session[T any] struct {
	ID      string
	CSRF    string
	Expires time.Time
	Data    T
}

// Kafka is what a Store needs of Kafka; *consumer.Client is one.
type Kafka interface {
	// Follow calls fn with every record of topic's partition from offset
	// from on, then with every record appended, until ctx ends; caughtUp
	// is called once fn had every record the partition had when Follow
	// began. Failures of Kafka are retried, not returned.
	Follow(ctx context.Context, topic string, partition int, from int64, caughtUp func(),
		fn func(offset int64, at time.Time, key, value []byte) error) error
	// Produce appends records (key, value; a nil value is a tombstone) to
	// topic's partition as one batch and returns the offset of the first.
	Produce(ctx context.Context, topic string, partition int, records ...[2][]byte) (offset int64, err error)
	// Spans calls fn with the first and end offsets of every partition.
	Spans(ctx context.Context, topic string, fn func(partition int, first, end int64)) error
}

// Config configures a Store.
type Config struct {
	// Kind names the sessions ("console", "operator"): stores of
	// different kinds share a topic and ignore each other's records.
	// Required.
	Kind string
	// Kafka, if set, keeps the sessions on Topic as well as in memory:
	// every Store of the Kind on the topic (every instance) knows every
	// session, a restart keeps them, and an end reaches all. Nil: this
	// process's memory only, and a restart ends them.
	Kafka Kafka
	// Topic is the sessions' topic: compacted, one partition (its
	// partition 0 is used). Default DefaultTopic.
	Topic string
	// Max bounds the sessions kept; starting one more ends the one that
	// expires first. Required.
	Max int
	// TTL is how long a session lives from its start. Required.
	TTL time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives records that do not decode and Kafka's failures.
	// Default: none.
	Log *zap.Logger
}

// DefaultTopic is the sessions' topic.
const DefaultTopic = "postload.sessions"

// syncWait bounds how long a lookup that finds nothing waits for the
// topic's records written before it (by another instance) to be read.
const syncWait = 3 * time.Second

// sweepEvery is how often expired sessions are dropped (and, on Kafka,
// ended with a tombstone, so that compaction removes them).
const sweepEvery = time.Minute

// Store holds the sessions of one Kind: at most Max, each for TTL from its
// start. Safe for concurrent use. With Kafka, Run must run for Start, Get
// and End to find the topic's sessions; without, Run only sweeps.
//
// The topic holds, for each session, the SHA-256 of its id (the record's
// key, after the Kind) and its expiry and data: whoever reads the topic
// cannot present the session, whose id is only in the holder's cookie.
type Store[T any] struct {
	cfg Config

	mu      sync.Mutex
	byKey   map[string]*Session[T] // by key(ID)
	applied int64                  // the next offset of the topic to apply
	moved   chan struct{}          // closed (and replaced) when applied moves

	// One lookup of the topic's end runs at a time (syncMu); syncs counts
	// those begun, synced is the count of the last that succeeded (under
	// syncMu): a lookup begun after a caller came serves it too.
	syncMu sync.Mutex
	syncs  atomic.Uint64
	synced uint64
	// arrived, if set (by tests), is called by sync once it has read
	// syncs, before it waits for its turn.
	arrived func()
}

// NewStore returns an empty Store.
func NewStore[T any](cfg Config) (*Store[T], error) {
	if cfg.Kind == "" || strings.Contains(cfg.Kind, "/") || cfg.Max <= 0 || cfg.TTL <= 0 {
		return nil, fmt.Errorf("websession: Kind (%q, without /), Max (%d) and TTL (%v) are required", cfg.Kind, cfg.Max, cfg.TTL)
	}
	cfg.Topic = cmp.Or(cfg.Topic, DefaultTopic)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Log = cmp.Or(cfg.Log, zap.NewNop())
	return &Store[T]{cfg: cfg, byKey: map[string]*Session[T]{}, moved: make(chan struct{})}, nil
}

// New returns a Store in this process's memory only.
func New[T any](max int, ttl time.Duration, now func() time.Time) *Store[T] {
	st, err := NewStore[T](Config{Kind: "memory", Max: max, TTL: ttl, Now: now})
	if err != nil {
		panic(err) // a programming error: max and ttl are constants of the caller
	}
	return st
}

// record is a session on the topic.
type record[T any] struct {
	Expires time.Time `json:"expires"`
	Data    T         `json:"data"`
}

// key is what the topic and the map know a session by: the SHA-256 of its
// id.
func key(id string) string {
	sum := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// csrf is the CSRF token of session id: a value only its holder (and the
// server) can know, and one that every instance derives alike.
func csrf(id string) string {
	sum := sha256.Sum256([]byte("postload csrf\x00" + id))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Run follows the topic (with Kafka) and drops expired sessions every
// minute, until ctx ends; it returns nil then.
func (st *Store[T]) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	if st.cfg.Kafka != nil {
		wg.Go(func() {
			_ = st.cfg.Kafka.Follow(ctx, st.cfg.Topic, 0, -1, nil, func(offset int64, _ time.Time, k, v []byte) error {
				st.apply(offset, k, v)
				return nil
			})
		})
	}
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			st.sweep(ctx)
		}
	}
}

// apply keeps or ends the session of one record of the topic.
func (st *Store[T]) apply(offset int64, k, v []byte) {
	st.mu.Lock()
	defer st.mu.Unlock()
	defer st.advance(offset + 1)
	kind, sk, ok := strings.Cut(string(k), "/")
	if !ok || kind != st.cfg.Kind {
		return
	}
	if v == nil {
		delete(st.byKey, sk)
		return
	}
	var r record[T]
	if err := json.Unmarshal(v, &r); err != nil {
		st.cfg.Log.Warn("sessions: skipping a record that does not decode", zap.Int64("offset", offset), zap.Error(err))
		return
	}
	if !st.cfg.Now().Before(r.Expires) {
		delete(st.byKey, sk)
		return
	}
	// The id is not on the topic: the session is known by its key, and
	// Get fills the id in from the cookie.
	st.byKey[sk] = &Session[T]{Expires: r.Expires, Data: r.Data}
	for len(st.byKey) > st.cfg.Max {
		delete(st.byKey, st.firstToExpire())
	}
}

// advance records that the topic was applied up to next; st.mu is held.
func (st *Store[T]) advance(next int64) {
	if next > st.applied {
		st.applied = next
		close(st.moved)
		st.moved = make(chan struct{})
	}
}

// waitApplied waits until the topic was applied up to end (exclusive).
func (st *Store[T]) waitApplied(ctx context.Context, end int64) error {
	for {
		st.mu.Lock()
		applied, moved := st.applied, st.moved
		st.mu.Unlock()
		if applied >= end {
			return nil
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return fmt.Errorf("sessions: reading %s up to %d: %w", st.cfg.Topic, end, ctx.Err())
		}
	}
}

// firstToExpire is the key of the session that expires first; st.mu is
// held and there is one.
func (st *Store[T]) firstToExpire() string {
	var first string
	var at time.Time
	for k, s := range st.byKey {
		if first == "" || s.Expires.Before(at) {
			first, at = k, s.Expires
		}
	}
	return first
}

// Start makes a session holding data, with a fresh random ID; when Max are
// kept, the expired ones go, or else the one that expires first. With
// Kafka it counts them once it has read the topic up to its end, and
// returns once the session is on the topic and read back.
func (st *Store[T]) Start(ctx context.Context, data T) (Session[T], error) {
	if st.cfg.Kafka != nil {
		if err := st.sync(ctx); err != nil {
			return Session[T]{}, err
		}
	}
	s := Session[T]{ID: RandomID(), Expires: st.cfg.Now().Add(st.cfg.TTL), Data: data}
	s.CSRF = csrf(s.ID)
	k := key(s.ID)
	st.mu.Lock()
	var ended []string
	now := st.cfg.Now()
	for sk, old := range st.byKey {
		if !now.Before(old.Expires) {
			ended = append(ended, sk)
			delete(st.byKey, sk)
		}
	}
	if len(st.byKey) >= st.cfg.Max { // the live ones: end the first to expire
		first := st.firstToExpire()
		ended = append(ended, first)
		delete(st.byKey, first)
	}
	if st.cfg.Kafka == nil {
		st.byKey[k] = &s
		st.mu.Unlock()
		return s, nil
	}
	st.mu.Unlock()
	v, err := json.Marshal(record[T]{Expires: s.Expires, Data: data})
	if err != nil {
		return Session[T]{}, fmt.Errorf("sessions: encoding: %w", err)
	}
	recs := [][2][]byte{{st.recordKey(k), v}}
	for _, sk := range ended {
		recs = append(recs, [2][]byte{st.recordKey(sk), nil})
	}
	if err := st.write(ctx, recs...); err != nil {
		return Session[T]{}, err
	}
	return s, nil
}

// recordKey is the topic's key of the session with key k.
func (st *Store[T]) recordKey(k string) []byte { return []byte(st.cfg.Kind + "/" + k) }

// write appends recs and waits until they are read back.
func (st *Store[T]) write(ctx context.Context, recs ...[2][]byte) error {
	ctx, cancel := context.WithTimeout(ctx, syncWait)
	defer cancel()
	off, err := st.cfg.Kafka.Produce(ctx, st.cfg.Topic, 0, recs...)
	if err != nil {
		return fmt.Errorf("sessions: writing to %s: %w", st.cfg.Topic, err)
	}
	return st.waitApplied(ctx, off+int64(len(recs)))
}

// Get returns the live session with id. With Kafka, a session not known
// here is looked for in what the topic had when Get began (a sign-in on
// another instance a moment ago): Get waits, up to a few seconds, for
// this store to have read that far. ctx bounds that wait.
func (st *Store[T]) Get(ctx context.Context, id string) (Session[T], bool) {
	if id == "" {
		return Session[T]{}, false
	}
	k := key(id)
	if s, ok := st.lookup(k, id); ok || st.cfg.Kafka == nil {
		return s, ok
	}
	if err := st.sync(ctx); err != nil {
		st.cfg.Log.Warn("sessions: looking for a session on the topic", zap.Error(err))
		return Session[T]{}, false
	}
	return st.lookup(k, id)
}

// lookup returns the live session of key k, with id filled in.
func (st *Store[T]) lookup(k, id string) (Session[T], bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.byKey[k]
	if !ok {
		return Session[T]{}, false
	}
	if !st.cfg.Now().Before(s.Expires) {
		delete(st.byKey, k)
		return Session[T]{}, false
	}
	out := *s
	out.ID, out.CSRF = id, csrf(id)
	return out, true
}

// sync waits until the topic is read up to where it ended when sync was
// called. One lookup of the end runs at a time, and callers that waited
// for it are served by the next one to succeed: a flood of unknown
// cookies costs the broker one small request at a time, not one each.
func (st *Store[T]) sync(ctx context.Context) error {
	after := st.syncs.Load() // a lookup numbered above this began after the call
	if st.arrived != nil {
		st.arrived()
	}
	st.syncMu.Lock()
	defer st.syncMu.Unlock()
	if st.synced > after {
		return nil
	}
	n := st.syncs.Add(1)
	ctx, cancel := context.WithTimeout(ctx, syncWait)
	defer cancel()
	end := int64(-1)
	err := st.cfg.Kafka.Spans(ctx, st.cfg.Topic, func(p int, _, e int64) {
		if p == 0 {
			end = e
		}
	})
	if err != nil {
		return fmt.Errorf("sessions: the end of %s: %w", st.cfg.Topic, err)
	}
	if err := st.waitApplied(ctx, end); err != nil {
		return err
	}
	st.synced = n
	return nil
}

// End ends the session with id: here at once and, with Kafka, on every
// instance once they read its tombstone.
func (st *Store[T]) End(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	k := key(id)
	st.mu.Lock()
	delete(st.byKey, k)
	st.mu.Unlock()
	if st.cfg.Kafka == nil {
		return nil
	}
	return st.write(ctx, [2][]byte{st.recordKey(k), nil})
}

// sweep drops the expired sessions and, with Kafka, ends them on the
// topic (every instance does: a tombstone twice is harmless).
func (st *Store[T]) sweep(ctx context.Context) {
	st.mu.Lock()
	var recs [][2][]byte
	now := st.cfg.Now()
	for k, s := range st.byKey {
		if !now.Before(s.Expires) {
			delete(st.byKey, k)
			recs = append(recs, [2][]byte{st.recordKey(k), nil})
		}
	}
	st.mu.Unlock()
	if st.cfg.Kafka == nil || len(recs) == 0 {
		return
	}
	if !backoff.Retry(ctx, func() error {
		_, err := st.cfg.Kafka.Produce(ctx, st.cfg.Topic, 0, recs...)
		return err
	}, func(err error, pause time.Duration) {
		st.cfg.Log.Warn("sessions: ending expired sessions on the topic; retrying", zap.Error(err), zap.Duration("after", pause))
	}) {
		return
	}
}

// Len is the number of sessions kept.
func (st *Store[T]) Len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byKey)
}

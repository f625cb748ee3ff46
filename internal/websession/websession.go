// Package websession is what the console and the operator's view share as
// web pages behind a sign-in: the sessions a cookie names (random ids kept
// in this process's memory, bounded in number and age), constant-time
// comparison of secrets, and the security headers of every answer.
package websession

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// Session is one sign-in: ID is the cookie's value, CSRF the token its
// forms carry, Data what the page keeps of it.
type Session[T any] struct {
	ID      string
	CSRF    string
	Expires time.Time
	Data    T
}

// Store holds at most max sessions, each for ttl from its sign-in. A
// restart ends them all: the holder signs in again. Safe for concurrent
// use.
type Store[T any] struct {
	mu   sync.Mutex
	byID map[string]*Session[T]
	max  int
	ttl  time.Duration
	now  func() time.Time
}

// New returns an empty Store.
func New[T any](max int, ttl time.Duration, now func() time.Time) *Store[T] {
	return &Store[T]{byID: map[string]*Session[T]{}, max: max, ttl: ttl, now: now}
}

// Start makes a session holding data, with fresh random ID and CSRF; when
// max are kept, the expired ones go, or else the one that expires first.
func (st *Store[T]) Start(data T) Session[T] {
	s := &Session[T]{ID: RandomID(), CSRF: RandomID(), Expires: st.now().Add(st.ttl), Data: data}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.byID) >= st.max {
		st.evict()
	}
	st.byID[s.ID] = s
	return *s
}

// evict drops the expired sessions, or else the one that expires first;
// st.mu is held.
func (st *Store[T]) evict() {
	now := st.now()
	var first *Session[T]
	for id, s := range st.byID {
		if !now.Before(s.Expires) {
			delete(st.byID, id)
			continue
		}
		if first == nil || s.Expires.Before(first.Expires) {
			first = s
		}
	}
	if len(st.byID) >= st.max && first != nil {
		delete(st.byID, first.ID)
	}
}

// Get returns a copy of the live session with id; an expired one is ended.
func (st *Store[T]) Get(id string) (Session[T], bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.byID[id]
	if !ok {
		return Session[T]{}, false
	}
	if !st.now().Before(s.Expires) {
		delete(st.byID, id)
		return Session[T]{}, false
	}
	return *s, true
}

// Update calls f with the data of the session with id, under the store's
// lock; false when there is no such session.
func (st *Store[T]) Update(id string, f func(*T)) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.byID[id]
	if ok {
		f(&s.Data)
	}
	return ok
}

// End forgets the session with id.
func (st *Store[T]) End(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.byID, id)
}

// Len is the number of sessions kept.
func (st *Store[T]) Len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byID)
}

// Equal reports whether got is the secret want, in constant time whatever
// their lengths; an empty got is never equal.
func Equal(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return got != "" && subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// RandomID is 32 random bytes in base64url.
func RandomID() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Secure sets the security headers of every answer of h: the page's
// Content-Security-Policy csp, no framing, no sniffing, no referrer, its
// own browsing context group.
func Secure(h http.Handler, csp string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

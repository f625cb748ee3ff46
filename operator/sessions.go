package operator

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

// session is one sign-in of the operator: its id is the cookie's value,
// a random value that maps to it in this process only.
type session struct {
	id      string
	csrf    string
	expires time.Time
}

// sessions holds at most max sessions, each for ttl from its sign-in; a
// restart ends them all.
type sessions struct {
	mu   sync.Mutex
	byID map[string]session
	max  int
	ttl  time.Duration
	now  func() time.Time
}

func newSessions(max int, ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{byID: map[string]session{}, max: max, ttl: ttl, now: now}
}

// start makes a session, ending the one that expires first when max are
// kept (expired ones go first).
func (ss *sessions) start() session {
	s := session{id: randomID(), csrf: randomID(), expires: ss.now().Add(ss.ttl)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for id, o := range ss.byID {
		if !now.Before(o.expires) {
			delete(ss.byID, id)
		}
	}
	for len(ss.byID) >= ss.max {
		var first session
		for _, o := range ss.byID {
			if first.id == "" || o.expires.Before(first.expires) {
				first = o
			}
		}
		delete(ss.byID, first.id)
	}
	ss.byID[s.id] = s
	return s
}

// get returns the live session with id.
func (ss *sessions) get(id string) (session, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.byID[id]
	if ok && !ss.now().Before(s.expires) {
		delete(ss.byID, id)
		return session{}, false
	}
	return s, ok
}

func (ss *sessions) end(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, id)
}

func (ss *sessions) len() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.byID)
}

// equal compares two secrets in constant time, whatever their lengths.
func equal(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return got != "" && subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// randomID is 32 random bytes in base64url.
func randomID() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

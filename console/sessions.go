package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

// session is one sign-in. Its id is the cookie's value; the token it was
// made with stays in this process's memory only, so that a token removed
// from the token file ends its sessions at their next request.
type session struct {
	id      string
	client  int64
	token   string
	csrf    string
	expires time.Time
	// notice is shown once, by the next page (post/redirect/get).
	notice *notice
}

// notice is a message for the next page, with a dead-letter replay's
// result when it was one.
type notice struct {
	Text   string
	Error  bool
	Replay *replayView
}

// sessions holds at most max sessions, each for ttl from its sign-in. A
// restart ends them all: the holder signs in again.
type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
	max  int
	ttl  time.Duration
	now  func() time.Time
}

func newSessions(max int, ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{byID: map[string]*session{}, max: max, ttl: ttl, now: now}
}

// start makes a session for client, ending the one that expires first
// when max are kept.
func (ss *sessions) start(client int64, token string) *session {
	s := &session{id: randomID(), client: client, token: token, csrf: randomID(), expires: ss.now().Add(ss.ttl)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.byID) >= ss.max {
		ss.evict()
	}
	ss.byID[s.id] = s
	return s
}

// evict drops the expired sessions, or else the one that expires first.
// ss.mu is held.
func (ss *sessions) evict() {
	now := ss.now()
	var first *session
	for id, s := range ss.byID {
		if !now.Before(s.expires) {
			delete(ss.byID, id)
			continue
		}
		if first == nil || s.expires.Before(first.expires) {
			first = s
		}
	}
	if len(ss.byID) >= ss.max && first != nil {
		delete(ss.byID, first.id)
	}
}

// get returns a copy of the live session with id.
func (ss *sessions) get(id string) (session, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.byID[id]
	if !ok {
		return session{}, false
	}
	if !ss.now().Before(s.expires) {
		delete(ss.byID, id)
		return session{}, false
	}
	return *s, true
}

// end forgets the session with id.
func (ss *sessions) end(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, id)
}

// setNotice leaves n for the session's next page.
func (ss *sessions) setNotice(id string, n notice) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if s, ok := ss.byID[id]; ok {
		s.notice = &n
	}
}

// takeNotice returns the session's notice and clears it.
func (ss *sessions) takeNotice(id string) *notice {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.byID[id]
	if !ok {
		return nil
	}
	n := s.notice
	s.notice = nil
	return n
}

// len is the number of sessions kept.
func (ss *sessions) len() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.byID)
}

// validCSRF reports whether got is the session's CSRF token.
func (s session) validCSRF(got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

// randomID is 32 random bytes in base64url.
func randomID() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

package console

import "github.com/postload/postload/internal/websession"

// signIn is what the console keeps of a session, on the sessions' topic:
// its account and the SHA-256 of the token it signed in with (never the
// token), so that a token removed from the token file ends its sessions
// at their next request.
type signIn struct {
	Client      int64  `json:"client_id"`
	TokenSHA256 []byte `json:"token_sha256"`
}

// notice is a message for the next page, with a dead-letter replay's
// result when it was one (see flash.go).
type notice struct {
	Text   string
	Error  bool        `json:",omitempty"`
	Replay *replayView `json:",omitempty"`
}

// sessions are the console's sign-ins (see websession.Store).
type sessions = websession.Store[signIn]

package operator

import "github.com/postload/postload/internal/websession"

// signIn is what a session of the operator keeps, on the sessions' topic:
// the SHA-256 of the token it signed in with, so that a session outlives
// neither a restart with another token nor a token changed on another
// instance.
type signIn struct {
	TokenSHA256 []byte `json:"token_sha256"`
}

// sessions are the operator's sign-ins (see websession.Store).
type sessions = websession.Store[signIn]

// session is one sign-in of the operator.
type session = websession.Session[signIn]

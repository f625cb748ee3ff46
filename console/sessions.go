package console

import "github.com/postload/postload/internal/websession"

// signIn is what the console keeps of a session: its account and the
// token it signed in with, which stays in this process's memory only, so
// that a token removed from the token file ends its sessions at their next
// request; and the notice its next page shows once (post/redirect/get).
type signIn struct {
	client int64
	token  string
	notice *notice
}

// notice is a message for the next page, with a dead-letter replay's
// result when it was one.
type notice struct {
	Text   string
	Error  bool
	Replay *replayView
}

// sessions are the console's sign-ins (see websession.Store).
type sessions = websession.Store[signIn]

// setNotice leaves n for the next page of session id.
func setNotice(ss *sessions, id string, n notice) {
	ss.Update(id, func(d *signIn) { d.notice = &n })
}

// takeNotice returns the notice of session id and clears it.
func takeNotice(ss *sessions, id string) *notice {
	var n *notice
	ss.Update(id, func(d *signIn) { n, d.notice = d.notice, nil })
	return n
}

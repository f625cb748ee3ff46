package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// flashCookie carries the notice of an action to the page its redirect
// leads to (post/redirect/get). It is a cookie, not server state, so that
// the page may be served by another instance; it is signed with a key
// derived from the session id, so that nobody without the session (a
// sibling domain that can set cookies, say) can put words on the page.
const flashCookie = "postload_console_notice"

// maxFlash bounds the cookie's value, below browsers' 4 KiB per cookie; a
// larger notice keeps its text only.
const maxFlash = 3500

// flashMAC is the signature of payload for session id.
func flashMAC(id string, payload []byte) []byte {
	k := sha256.Sum256([]byte("postload notice\x00" + id))
	m := hmac.New(sha256.New, k[:])
	m.Write(payload)
	return m.Sum(nil)
}

// setFlash leaves n for the next page of session id.
func (s *Server) setFlash(w http.ResponseWriter, r *http.Request, id string, n *notice) {
	b, err := json.Marshal(n)
	if err == nil && len(b) > maxFlash*3/4 {
		b, err = json.Marshal(notice{Text: n.Text, Error: n.Error})
	}
	if err != nil {
		return // a notice is made of strings and numbers: cannot happen
	}
	enc := base64.RawURLEncoding
	v := enc.EncodeToString(b) + "." + enc.EncodeToString(flashMAC(id, b))
	http.SetCookie(w, s.cookieNamed(r, flashCookie, v, 60))
}

// takeFlash returns the notice left for session id, if any and signed for
// it, and clears the cookie.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request, id string) *notice {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, s.cookieNamed(r, flashCookie, "", -1))
	enc := base64.RawURLEncoding
	p, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return nil
	}
	b, err1 := enc.DecodeString(p)
	mac, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, flashMAC(id, b)) {
		return nil
	}
	var n notice
	if json.Unmarshal(b, &n) != nil {
		return nil
	}
	return &n
}

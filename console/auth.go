package console

import (
	"crypto/sha256"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/postload/postload/internal/websession"
)

// cookieName holds the session id: a random id that names the session
// (see websession.Store), never the token.
const cookieName = "postload_console"

// account is the signed-in session of a request.
type account struct {
	id, csrf string // the session's
	client   int64
	// notice, if set, is for the page this request leads to (notify).
	notice *notice
}

// result is what a page or an action answers: a page rendered with a
// status, or a redirect (303) to a path of the console.
type result struct {
	status   int
	page     string
	data     any
	redirect string
	// fragment, if set, is a template of page written alone, without the
	// layout (the live parts of a page).
	fragment string
}

// handler answers a request of a signed-in account.
type handler func(r *http.Request, a *account) result

// current returns the request's live session, nil when there is none or
// its token no longer belongs to its account (removed from the token
// file): such a session is ended.
func (s *Server) current(r *http.Request) *account {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil
	}
	ss, ok := s.sessions.Get(r.Context(), c.Value)
	if !ok {
		return nil
	}
	var sum [sha256.Size]byte
	ok = copy(sum[:], ss.Data.TokenSHA256) == len(sum)
	if client, known := s.cfg.Tokens.ClientIDOfDigest(sum); !ok || !known || client != ss.Data.Client {
		s.endSession(r, ss.ID)
		return nil
	}
	return &account{id: ss.ID, csrf: ss.CSRF, client: ss.Data.Client}
}

// page serves a GET for a signed-in account.
func (s *Server) page(h handler) http.Handler {
	return s.signedIn(h, false)
}

// action serves a POST for a signed-in account: a change, checked against
// the session's CSRF token first.
func (s *Server) action(h handler) http.Handler {
	return s.signedIn(h, true)
}

// signedIn checks, in the API's order, the session (401: the sign-in
// page), then for a change the CSRF token (403), then the registry's
// readiness (503), and answers with h.
func (s *Server) signedIn(h handler, change bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := s.current(r)
		if a == nil {
			s.render(w, r, nil, result{status: http.StatusUnauthorized, page: "signin", data: signInView{Message: msgSignedOut}})
			return
		}
		if change {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			if err := r.ParseForm(); err != nil {
				s.render(w, r, a, result{status: http.StatusBadRequest, page: "error", data: errorView{Message: msgBadForm}})
				return
			}
			if !websession.Equal(r.PostForm.Get("csrf"), a.csrf) {
				s.render(w, r, a, result{status: http.StatusForbidden, page: "error", data: errorView{Message: msgCSRF}})
				return
			}
		}
		if !s.cfg.Registry.Ready() {
			w.Header().Set("Retry-After", "1")
			s.render(w, r, a, result{status: http.StatusServiceUnavailable, page: "error", data: errorView{Message: msgUnavailable}})
			return
		}
		s.render(w, r, a, h(r, a))
	})
}

// index sends a signed-in account to its hooks, anyone else to sign in.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	if s.current(r) != nil {
		http.Redirect(w, r, Prefix+"hooks", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	if s.current(r) != nil {
		http.Redirect(w, r, Prefix+"hooks", http.StatusSeeOther)
		return
	}
	s.render(w, r, nil, result{status: http.StatusOK, page: "signin", data: signInView{}})
}

// signIn: POST signin with the form field token. The token is checked
// against the token file; it is kept in this process only, mapped from a
// random session id that the cookie carries. Cross-origin posts are
// refused before (CrossOriginProtection), so no login CSRF.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, nil, result{status: http.StatusBadRequest, page: "signin", data: signInView{Message: msgBadForm}})
		return
	}
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	client, ok := s.cfg.Tokens.ClientID(tok)
	if !ok {
		s.render(w, r, nil, result{status: http.StatusUnauthorized, page: "signin", data: signInView{Message: msgBadToken}})
		return
	}
	if old, err := r.Cookie(cookieName); err == nil {
		s.endSession(r, old.Value) // a fresh id on every sign-in
	}
	sum := sha256.Sum256([]byte(tok))
	ss, err := s.sessions.Start(r.Context(), signIn{Client: client, TokenSHA256: sum[:]})
	if err != nil {
		s.cfg.Log.Error("starting a console session", zap.Int64("client_id", client), zap.Error(err))
		w.Header().Set("Retry-After", "1")
		s.render(w, r, nil, result{status: http.StatusServiceUnavailable, page: "signin", data: signInView{Message: msgSessionsDown}})
		return
	}
	http.SetCookie(w, s.cookie(r, ss.ID, int(s.cfg.SessionTTL.Seconds())))
	http.Redirect(w, r, Prefix+"hooks", http.StatusSeeOther)
}

// signOut ends the session and clears the cookie. Signing out needs no
// CSRF token (ending a session is harmless to force), but cross-origin
// posts are refused all the same.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		s.endSession(r, c.Value)
	}
	http.SetCookie(w, s.cookie(r, "", -1))
	http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
}

// cookie is the session cookie: HttpOnly, SameSite=Strict, for the
// console's paths only, Secure when the request came over TLS.
func (s *Server) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return s.cookieNamed(r, cookieName, value, maxAge)
}

// cookieNamed is a cookie of the console (see cookie).
func (s *Server) cookieNamed(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	}
}

// endSession ends session id, logging a failure to end it on the
// sessions' topic (it then ends on the other instances at its expiry).
func (s *Server) endSession(r *http.Request, id string) {
	if err := s.sessions.End(r.Context(), id); err != nil {
		s.cfg.Log.Warn("ending a console session", zap.Error(err))
	}
}

package operator

import (
	"bytes"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/postload/postload/internal/websession"
)

// cookieName holds the session id, a random value, never the token.
const cookieName = "postload_operator"

// Messages of the pages.
const (
	msgBadToken     = "That is not the operator token."
	msgSignedOut    = "Sign in with the operator token."
	msgBadForm      = "The form could not be read."
	msgCSRF         = "The form is stale: reload the page and try again."
	msgCrossOrigin  = "Cross-origin requests are refused."
	msgNotFound     = "Not found."
	msgUnavailable  = "The hook registry is catching up: reload in a moment."
	msgSessionsDown = "Signing in is not possible right now (the sessions' store is unreachable): try again in a moment."
)

// current returns the request's live session, nil when there is none or
// it was signed in with another token than this process's (such a
// session is ended).
func (s *Server) current(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil
	}
	ss, ok := s.sessions.Get(r.Context(), c.Value)
	if !ok {
		return nil
	}
	if !bytes.Equal(ss.Data.TokenSHA256, s.tokenSum) {
		s.endSession(r, ss.ID)
		return nil
	}
	return &ss
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	if s.current(r) != nil {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "signin", nil, signInView{})
}

// signIn: POST signin with the form field token, compared in constant
// time with the operator token. Cross-origin posts are refused before
// (CrossOriginProtection), so no login CSRF.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, "signin", nil, signInView{Message: msgBadForm})
		return
	}
	if !websession.Equal(strings.TrimSpace(r.PostForm.Get("token")), s.cfg.Token) {
		s.render(w, http.StatusUnauthorized, "signin", nil, signInView{Message: msgBadToken})
		return
	}
	if old, err := r.Cookie(cookieName); err == nil {
		s.endSession(r, old.Value) // a fresh id on every sign-in
	}
	ss, err := s.sessions.Start(r.Context(), signIn{TokenSHA256: s.tokenSum})
	if err != nil {
		s.cfg.Log.Error("starting an operator session", zap.Error(err))
		w.Header().Set("Retry-After", "1")
		s.render(w, http.StatusServiceUnavailable, "signin", nil, signInView{Message: msgSessionsDown})
		return
	}
	http.SetCookie(w, cookie(r, ss.ID, int(s.cfg.SessionTTL.Seconds())))
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// signOut ends the session, given its CSRF token, and clears the cookie.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	ss := s.current(r)
	if ss == nil {
		http.SetCookie(w, cookie(r, "", -1))
		http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, "error", ss, errorView{Message: msgBadForm})
		return
	}
	if !websession.Equal(r.PostForm.Get("csrf"), ss.CSRF) {
		s.render(w, http.StatusForbidden, "error", ss, errorView{Message: msgCSRF})
		return
	}
	s.endSession(r, ss.ID)
	http.SetCookie(w, cookie(r, "", -1))
	http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
}

// cookie is the session cookie: HttpOnly, SameSite=Strict, for the view's
// paths only, Secure when the request came over TLS.
func cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: cookieName, Value: value, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	}
}

// endSession ends session id, logging a failure to end it on the
// sessions' topic (it then ends on the other instances at its expiry).
func (s *Server) endSession(r *http.Request, id string) {
	if err := s.sessions.End(r.Context(), id); err != nil {
		s.cfg.Log.Warn("ending an operator session", zap.Error(err))
	}
}

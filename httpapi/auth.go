package httpapi

import (
	"net/http"
	"strings"
)

// client returns the account of the request's bearer token.
func (s *Server) client(r *http.Request) (int64, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return 0, false
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return 0, false
	}
	return s.cfg.Tokens.ClientID(tok)
}

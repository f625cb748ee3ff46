package operator

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/postload/postload/internal/websession"
)

// Prefix is where the view is served on its listener; / leads to it.
const Prefix = "/operator/"

// JSONPath is the JSON variant of the view, for a bearer token.
const JSONPath = Prefix + "api/overview"

// maxBody bounds a form's body.
const maxBody = 16 << 10

// Server is the operator view's http.Handler: the whole of its listener.
type Server struct {
	cfg      Config
	mux      *http.ServeMux
	sessions *sessions
	// tokenSum is the SHA-256 of Config.Token, which a session keeps.
	tokenSum []byte
	pages    pages
	// building holds a token while a view is read: one at a time, so that
	// reloads do not pile up scans of the dead-letter queue.
	building chan struct{}
	handler  http.Handler
}

// New returns the Server of cfg.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	pg, err := parsePages()
	if err != nil {
		return nil, err
	}
	ss, err := websession.NewStore[signIn](websession.Config{Kind: "operator", Kafka: cfg.Sessions, Topic: cfg.SessionTopic,
		Max: cfg.MaxSessions, TTL: cfg.SessionTTL, Now: cfg.Now, Log: cfg.Log})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(cfg.Token))
	s := &Server{cfg: cfg, mux: http.NewServeMux(), pages: pg, building: make(chan struct{}, 1), sessions: ss, tokenSum: sum[:]}
	s.routes()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.render(w, http.StatusForbidden, "error", nil, errorView{Message: msgCrossOrigin})
	}))
	s.handler = websession.Secure(cop.Handler(s.mux), csp)
	return s, nil
}

// Run follows the sessions' topic (Config.Sessions) and drops expired
// sessions, until ctx ends; it returns nil then.
func (s *Server) Run(ctx context.Context) error { return s.sessions.Run(ctx) }

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() {
	s.mux.Handle("GET "+Prefix+"static/", staticHandler())
	s.mux.Handle("GET /{$}", http.RedirectHandler(Prefix, http.StatusSeeOther))
	s.mux.HandleFunc("GET "+Prefix+"{$}", s.overviewPage)
	s.mux.HandleFunc("GET "+Prefix+"signin", s.signInPage)
	s.mux.HandleFunc("POST "+Prefix+"signin", s.signIn)
	s.mux.HandleFunc("POST "+Prefix+"signout", s.signOut)
	s.mux.HandleFunc("GET "+JSONPath, s.overviewJSON)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, Prefix+"api/") {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
			return
		}
		s.render(w, http.StatusNotFound, "error", s.current(r), errorView{Message: msgNotFound})
	})
}

// overview reads the view, one at a time; false when ctx ended first.
func (s *Server) overview(ctx context.Context) (Overview, bool) {
	select {
	case s.building <- struct{}{}:
	case <-ctx.Done():
		return Overview{}, false
	}
	defer func() { <-s.building }()
	return s.build(ctx), true
}

func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request) {
	ss := s.current(r)
	if ss == nil {
		s.render(w, http.StatusUnauthorized, "signin", nil, signInView{})
		return
	}
	if !s.cfg.Hooks.Ready() {
		w.Header().Set("Retry-After", "1")
		s.render(w, http.StatusServiceUnavailable, "error", ss, errorView{Message: msgUnavailable})
		return
	}
	o, ok := s.overview(r.Context())
	if !ok {
		return // the client went away
	}
	s.render(w, http.StatusOK, "overview", ss, newOverviewView(o))
}

// overviewJSON answers the view as JSON to a request with the operator's
// bearer token.
func (s *Server) overviewJSON(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !websession.Equal(strings.TrimSpace(tok), s.cfg.Token) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="postload operator"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "give the operator token as Authorization: Bearer <token>"})
		return
	}
	if !s.cfg.Hooks.Ready() {
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "the hook registry is catching up: try again"})
		return
	}
	o, ok := s.overview(r.Context())
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error encoding the answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// csp allows the view's own stylesheet only: no script at all, no inline
// style, no framing, forms posted to the view only.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

package console

import (
	"context"
	"net/http"

	"github.com/postload/postload/internal/websession"
)

// Prefix is where the console is served; cmd mounts the Server there.
const Prefix = "/console/"

// maxBody bounds a form's body.
const maxBody = 64 << 10

// Server is the console's http.Handler: every path under Prefix.
type Server struct {
	cfg      Config
	mux      *http.ServeMux
	sessions *sessions
	pages    pages
	// replaying holds a token while a dead-letter replay runs: one at a
	// time, as in the API.
	replaying chan struct{}
	handler   http.Handler
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
	ss, err := websession.NewStore[signIn](websession.Config{Kind: "console", Kafka: cfg.Sessions, Topic: cfg.SessionTopic,
		Max: cfg.MaxSessions, TTL: cfg.SessionTTL, Now: cfg.Now, Log: cfg.Log})
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), pages: pg, replaying: make(chan struct{}, 1), sessions: ss}
	s.routes()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, nil, result{status: http.StatusForbidden, page: "error", data: errorView{Message: msgCrossOrigin}})
	}))
	s.handler = websession.Secure(cop.Handler(s.mux), csp)
	return s, nil
}

// Run follows the sessions' topic (Config.Sessions) and drops expired
// sessions, until ctx ends; it returns nil then.
func (s *Server) Run(ctx context.Context) error { return s.sessions.Run(ctx) }

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// routes lists every page and action.
func (s *Server) routes() {
	s.mux.Handle("GET "+Prefix+"static/", staticHandler())
	s.mux.HandleFunc("GET "+Prefix+"{$}", s.index)
	s.mux.HandleFunc("GET "+Prefix+"signin", s.signInPage)
	s.mux.HandleFunc("POST "+Prefix+"signin", s.signIn)
	s.mux.HandleFunc("POST "+Prefix+"signout", s.signOut)

	s.mux.Handle("GET "+Prefix+"hooks", s.page(s.hooksPage))
	s.mux.Handle("POST "+Prefix+"hooks", s.action(s.createHook))
	s.mux.Handle("GET "+Prefix+"hooks/{id}", s.page(s.hookPage))
	s.mux.Handle("POST "+Prefix+"hooks/{id}/enable", s.action(s.enableHook(true)))
	s.mux.Handle("POST "+Prefix+"hooks/{id}/disable", s.action(s.enableHook(false)))
	s.mux.Handle("POST "+Prefix+"hooks/{id}/rotate-secret", s.action(s.rotateSecret))
	s.mux.Handle("GET "+Prefix+"hooks/{id}/live", s.page(s.liveLog))
	s.mux.Handle("GET "+Prefix+"hooks/{id}/delete", s.page(s.confirmDeleteHook))
	s.mux.Handle("POST "+Prefix+"hooks/{id}/delete", s.action(s.deleteHook))
	s.mux.Handle("POST "+Prefix+"hooks/{id}/replay", s.action(s.replay))
	s.mux.Handle("POST "+Prefix+"hooks/{id}/come-back", s.action(s.comeBack))
	s.mux.Handle("POST "+Prefix+"hooks/{id}/test", s.action(s.sendTest))

	s.mux.Handle("GET "+Prefix+"recipients", s.page(s.recipientsPage))
	s.mux.Handle("POST "+Prefix+"recipients", s.action(s.createRecipient))
	s.mux.Handle("POST "+Prefix+"recipients/{id}/pause", s.action(s.pauseRecipient(false)))
	s.mux.Handle("POST "+Prefix+"recipients/{id}/unpause", s.action(s.pauseRecipient(true)))
	s.mux.Handle("POST "+Prefix+"recipients/{id}/delete", s.action(s.deleteRecipient))

	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, s.current(r), notFound())
	})
}

// csp allows the console's own files only: no inline script or style, no
// framing, forms posted to the console only.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

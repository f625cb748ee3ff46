package httpapi

import (
	"cmp"
	"errors"
	"net/http"
	"strings"

	"go.uber.org/zap"
)

// BasePath is where the API is served.
const BasePath = "/notifications/public/v1/api"

// maxBody bounds a request body.
const maxBody = 64 << 10

// Config is what a Server serves.
type Config struct {
	// Tokens identifies the account of a request. Required.
	Tokens Tokens
	// Registry holds the hooks and recipients. Required.
	Registry Registry
	// DeadLetters lists and replays the dead letters. Required.
	DeadLetters DeadLetters
	// Attempts is the delivery log's index. Default none: the attempts
	// call is not served (404 NotFound, as any path the API does not
	// serve), which is what --delivery-log=false gives.
	Attempts Attempts
	// Tester sends the test webhooks of POST /hooks/{id}/test. Default:
	// none, and that call answers 404.
	Tester Tester
	// Log receives the failures the API answers 503 for. Default: none.
	Log *zap.Logger
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	c.Log = cmp.Or(c.Log, zap.NewNop())
	return c
}

// Validate reports what to fix in c.
func (c Config) Validate() error {
	var errs []error
	if c.Tokens == nil {
		errs = append(errs, errors.New("httpapi: Config.Tokens is nil: give the token file"))
	}
	if c.Registry == nil {
		errs = append(errs, errors.New("httpapi: Config.Registry is nil: give the hook registry"))
	}
	if c.DeadLetters == nil {
		errs = append(errs, errors.New("httpapi: Config.DeadLetters is nil: give the dead-letter queue"))
	}
	return errors.Join(errs...)
}

// Server is the API's http.Handler: every route under BasePath. A request
// for a path it does not serve gets 404, a method it does not serve on a
// path with an Allow list 405, both with a JSON body.
type Server struct {
	cfg Config
	mux *http.ServeMux
	// replaying holds a token while a dead-letter replay runs.
	replaying chan struct{}
	// testing holds the ids of the hooks whose test is under way.
	testing testsUnderWay
}

// New returns the Server of cfg.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, mux: http.NewServeMux(), replaying: make(chan struct{}, 1)}
	for _, resource := range [][]route{s.hookRoutes(), s.recipientRoutes(), s.deadLetterRoutes(), s.attemptRoutes(), s.testRoutes()} {
		s.handle(resource)
	}
	s.mux.Handle("/", s.fixed(reply{http.StatusNotFound, bodyNotFound}, ""))
	return s, nil
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// route is one path of a resource, relative to BasePath. With a method in
// pattern ("POST /hooks") it is a call, answered by handle for an
// authenticated account; a path alone ("/hooks") answers every method
// that no call of it serves 405 with allow as the Allow header. A path
// without one answers such methods 404.
type route struct {
	pattern string
	handle  handler
	allow   string
}

// handler answers an authenticated request of account client.
type handler func(r *http.Request, client int64) reply

// handle adds the routes of a resource to the mux.
func (s *Server) handle(routes []route) {
	for _, rt := range routes {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			s.mux.Handle(BasePath+rt.pattern, s.fixed(reply{http.StatusMethodNotAllowed, bodyMethodNotAllowed}, rt.allow))
			continue
		}
		s.mux.Handle(method+" "+BasePath+path, s.serve(rt.handle))
	}
}

// serve authenticates the request, checks that the registry can answer,
// limits the body and writes the handler's reply.
func (s *Server) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client, ok := s.client(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="postload"`)
			s.write(w, reply{http.StatusUnauthorized, bodyUnauthorized})
			return
		}
		if !s.cfg.Registry.Ready() {
			w.Header().Set("Retry-After", "1")
			s.write(w, reply{http.StatusServiceUnavailable, bodyUnavailable})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		s.write(w, h(r, client))
	})
}

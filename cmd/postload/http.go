package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/console"
	"github.com/postload/postload/dlq"
	"github.com/postload/postload/httpapi"
	"github.com/postload/postload/operator"
	"github.com/postload/postload/token"
)

// listen makes the account API and the web console (with the api role),
// the ops endpoints (/metrics, /healthz, /readyz) and the operator's view,
// on --listen and, if set, on --metrics-listen, --console-addr and
// --operator-addr (the operator's view only there), and listens on them:
// the first server is --listen's.
func listen(cfg serveConfig, p *parts, log *zap.Logger) ([]*server, error) {
	apiMux, cons, err := newAPIMux(cfg, p, log)
	if err != nil {
		return nil, err
	}
	opsMux := http.NewServeMux()
	if cfg.MetricsListen == "" {
		opsMux = apiMux
	}
	opsHandler(opsMux, p.m, &health{brokers: p.brokers, store: p.store})
	servers := []*server{{name: "listen", addr: cfg.Listen, handler: apiMux}}
	if cfg.MetricsListen != "" {
		servers = append(servers, &server{name: "metrics-listen", addr: cfg.MetricsListen, handler: opsMux})
	}
	if cons != nil {
		consoleMux := apiMux
		if cfg.ConsoleAddr != "" {
			consoleMux = http.NewServeMux()
			servers = append(servers, &server{name: "console-addr", addr: cfg.ConsoleAddr, handler: consoleMux, console: true, sessions: cons})
		} else {
			servers[0].console, servers[0].sessions = true, cons
		}
		mountConsole(consoleMux, cons)
	}
	if cfg.OperatorAddr != "" {
		op, err := newOperator(cfg, p, log)
		if err != nil {
			return nil, err
		}
		servers = append(servers, &server{name: "operator-addr", addr: cfg.OperatorAddr, handler: op, operator: true, sessions: op})
	}
	for i, s := range servers {
		if err := s.listen(); err != nil {
			for _, prev := range servers[:i] {
				prev.ln.Close()
			}
			return nil, err
		}
	}
	return servers, nil
}

// newAPIMux serves the account API under httpapi.BasePath with the api
// role, and nothing without; the console (nil without the api role) shares
// its tokens, registry and dead-letter queue.
func newAPIMux(cfg serveConfig, p *parts, log *zap.Logger) (*http.ServeMux, *console.Server, error) {
	mux := http.NewServeMux()
	if !cfg.Roles.api {
		return mux, nil, nil
	}
	tokens, err := token.Open(cfg.TokensFile, log.Named("tokens"))
	if err != nil {
		return nil, nil, err
	}
	queue, err := dlq.NewQueue(dlqConfig(p.client, p.topics, log), p.store, p.writer, time.Now)
	if err != nil {
		return nil, nil, err
	}
	ac := httpapi.Config{Tokens: tokens, Registry: p.store, DeadLetters: queue, Log: log.Named("api")}
	if p.disp != nil {
		ac.Tester = p.disp
	}
	if p.log.index != nil {
		ac.Attempts = p.log.index
	}
	srv, err := httpapi.New(ac)
	if err != nil {
		return nil, nil, err
	}
	mux.Handle(httpapi.BasePath+"/", srv)
	cc := console.Config{Tokens: tokens, Registry: p.store, DeadLetters: queue, Log: log.Named("console"),
		Sessions: p.client, SessionTopic: p.topics.Sessions}
	if cfg.Roles.dispatch || cfg.Roles.retry {
		cc.Breakers = p.disp // the breakers are this process's: shown where it sends
	}
	if p.log.index != nil { // nil with --delivery-log=false: no log section
		cc.Attempts = consoleAttempts{p.log.index}
		cc.AutoDisable = consoleAutoDisable{t: p.log.auto, hooks: p.store}
	}
	if p.disp != nil {
		cc.Tester = p.disp // a test goes through this process's guards
	}
	cons, err := console.New(cc)
	if err != nil {
		return nil, nil, err
	}
	return mux, cons, nil
}

// mountConsole serves the console under console.Prefix and sends / to it.
func mountConsole(mux *http.ServeMux, cons http.Handler) {
	mux.Handle(console.Prefix, cons)
	mux.Handle("GET /{$}", http.RedirectHandler(console.Prefix, http.StatusSeeOther))
}

// server is one HTTP listener of serve.
type server struct {
	name, addr string
	handler    http.Handler
	ln         net.Listener
	console    bool // it serves the console
	operator   bool // it serves the operator's view
	// sessions, if set, follows the sign-ins of the pages it serves (the
	// console's or the operator view's) while it serves.
	sessions runner
}

func (s *server) listen() error {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("--%s %s: %w", s.name, s.addr, err)
	}
	s.ln = ln
	return nil
}

// run serves until ctx is done, then shuts down within 5 s.
func (s *server) run(ctx context.Context) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		done <- srv.Shutdown(sctx)
	}()
	if err := srv.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return <-done
}

// consoleURL is where the console is served; empty without one.
func consoleURL(servers []*server) string {
	for _, s := range servers {
		if s.console {
			return "http://" + s.ln.Addr().String() + console.Prefix
		}
	}
	return ""
}

// operatorURL is where the operator's view is served; empty without one.
func operatorURL(servers []*server) string {
	for _, s := range servers {
		if s.operator {
			return "http://" + s.ln.Addr().String() + operator.Prefix
		}
	}
	return ""
}

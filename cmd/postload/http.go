package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/dlq"
	"github.com/postload/postload/httpapi"
	"github.com/postload/postload/token"
)

// listen makes the account API (with the api role) and the ops endpoints
// (/metrics, /healthz, /readyz), on --listen and, if set, on
// --metrics-listen, and listens on them: the first server is --listen's.
func listen(cfg serveConfig, p *parts, log *zap.Logger) ([]*server, error) {
	apiMux, err := newAPIMux(cfg, p, log)
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
// role, and nothing without.
func newAPIMux(cfg serveConfig, p *parts, log *zap.Logger) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	if !cfg.Roles.api {
		return mux, nil
	}
	tokens, err := token.Open(cfg.TokensFile, log.Named("tokens"))
	if err != nil {
		return nil, err
	}
	queue, err := dlq.NewQueue(dlqConfig(p.client, p.topics, log), p.store, p.writer, time.Now)
	if err != nil {
		return nil, err
	}
	srv, err := httpapi.New(httpapi.Config{Tokens: tokens, Registry: p.store, DeadLetters: queue, Tester: p.disp, Log: log.Named("api")})
	if err != nil {
		return nil, err
	}
	mux.Handle(httpapi.BasePath+"/", srv)
	return mux, nil
}

// server is one HTTP listener of serve.
type server struct {
	name, addr string
	handler    http.Handler
	ln         net.Listener
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

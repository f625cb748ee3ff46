// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp) on
// 127.0.0.1 for tests: it records every message it accepts and can refuse
// messages, or go down and come back on the same address.
package smtptest

import (
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO)
	Data []byte   // the raw RFC 5322 message
	Auth string   // the user that authenticated, if any
	TLS  bool     // whether the session was encrypted
}

// Options configure a Server.
type Options struct {
	// TLS, if set, is offered with STARTTLS, or from the first byte when
	// Implicit is set.
	TLS      *tls.Config
	Implicit bool
	// User and Pass, if set, are required with AUTH PLAIN.
	User, Pass string
}

// Server is an SMTP server for one test.
type Server struct {
	tb   testing.TB
	opts Options
	addr string

	mu     sync.Mutex
	srv    *smtp.Server
	lis    net.Listener  // srv's; closed by Down too, in case Serve has not registered it yet
	done   chan struct{} // closed when srv's Serve returned
	msgs   []Message
	refuse func(n int) error // decides for the n-th DATA (0-based); nil accepts
	datas  int               // DATA commands seen
	conns  int
}

// Start starts a server on 127.0.0.1:0; it is closed when the test ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := &Server{tb: tb, opts: opts}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtptest: listen: %v", err)
	}
	s.addr = l.Addr().String()
	s.serve(l)
	tb.Cleanup(s.Down)
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// Refuse makes the server answer the n-th DATA (0-based, counted since
// Start) with f(n) when that is not nil; nil f accepts everything.
func (s *Server) Refuse(f func(n int) error) {
	s.mu.Lock()
	s.refuse = f
	s.mu.Unlock()
}

// Messages returns the accepted messages so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Conns is the number of sessions started so far.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Down stops the server: connections are refused until Up.
func (s *Server) Down() {
	s.mu.Lock()
	srv, lis, done := s.srv, s.lis, s.done
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Close()
	_ = lis.Close()
	<-done
}

// Up starts the server again on the same address.
func (s *Server) Up() {
	s.tb.Helper()
	var l net.Listener
	var err error
	for range 50 { // the port may linger for a moment after Down
		if l, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.tb.Fatalf("smtptest: listen again on %s: %v", s.addr, err)
	}
	s.serve(l)
}

func (s *Server) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.AllowInsecureAuth = s.opts.TLS == nil
	if s.opts.TLS != nil {
		srv.TLSConfig = s.opts.TLS
		if s.opts.Implicit {
			l = tls.NewListener(l, s.opts.TLS)
		}
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.srv, s.lis, s.done = srv, l, done
	s.mu.Unlock()
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			s.tb.Logf("smtptest: serve: %v", err)
		}
	}()
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.conns++
	s.mu.Unlock()
	_, isTLS := c.TLSConnectionState()
	return &session{srv: s, tls: isTLS || s.opts.Implicit}, nil
}

// session records one message at a time.
type session struct {
	srv  *Server
	tls  bool
	auth string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if ss.srv.opts.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.srv.opts.User || pass != ss.srv.opts.Pass {
			return smtp.ErrAuthFailed
		}
		ss.auth = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.opts.User != "" && ss.auth == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.datas
	s.datas++
	if s.refuse != nil {
		if err := s.refuse(n); err != nil {
			return err
		}
	}
	s.msgs = append(s.msgs, Message{From: ss.from, To: append([]string(nil), ss.to...),
		Data: data, Auth: ss.auth, TLS: ss.tls})
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

package hook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

// BasePath is where the API is served.
const BasePath = "/notifications/public/v1/api"

// maxBody bounds a request body.
const maxBody = 64 << 10

// TokenLookup answers which account a bearer token belongs to.
// *token.File satisfies it.
type TokenLookup interface {
	ClientID(token string) (int64, bool)
}

// TokenLookupFunc adapts a function to TokenLookup.
type TokenLookupFunc func(token string) (int64, bool)

// ClientID calls f.
func (f TokenLookupFunc) ClientID(token string) (int64, bool) { return f(token) }

// api serves the Connect API from a Store.
type api struct {
	store  *Store
	tokens TokenLookup
	log    *zap.Logger
}

// reply is a handler's answer: a status and a value to encode as JSON.
type reply struct {
	status int
	body   any
}

// route is a handler of an authenticated request of account client.
type route func(r *http.Request, client int64) reply

// Route is a further route of the API, served like the built-in ones:
// authenticated (Handle gets the account of the bearer token), answered
// with status and body as JSON. Pattern is a ServeMux pattern with a method,
// relative to BasePath: "GET /hooks/{id}/dead-letters".
type Route struct {
	Pattern string
	Handle  func(r *http.Request, clientID int64) (status int, body any)
}

// NewHandler returns the Connect API handler for hooks and notification
// recipients, with every route under BasePath, and the extra routes. A
// request for a path it does not serve gets 404, a method it does not serve
// 405, both with a JSON body.
func NewHandler(store *Store, tokens TokenLookup, log *zap.Logger, extra ...Route) http.Handler {
	a := &api{store: store, tokens: tokens, log: log}
	mux := http.NewServeMux()
	for _, r := range extra {
		method, path, _ := strings.Cut(r.Pattern, " ")
		handle := r.Handle
		mux.Handle(method+" "+BasePath+path, a.serve(func(req *http.Request, client int64) reply {
			status, body := handle(req, client)
			return reply{status, body}
		}))
	}
	for _, r := range []struct {
		pattern string
		route   route
	}{
		{"POST /hooks", a.createHook},
		{"GET /hooks", a.listHooks},
		{"PUT /hooks/{id}", a.enableHook},
		{"DELETE /hooks/{id}", a.deleteHook},
		{"POST /hooks/{id}/rotate-secret", a.rotateSecret},
		{"POST /custom-emails", a.createRecipient},
		{"GET /custom-emails", a.listRecipients},
		{"PUT /custom-emails/{id}", a.pauseRecipient},
		{"DELETE /custom-emails/{id}", a.deleteRecipient},
	} {
		method, path, _ := strings.Cut(r.pattern, " ")
		mux.Handle(method+" "+BasePath+path, a.serve(r.route))
	}
	for path, allow := range map[string]string{
		"/hooks":              "GET, POST",
		"/hooks/{id}":         "PUT, DELETE",
		"/custom-emails":      "GET, POST",
		"/custom-emails/{id}": "PUT, DELETE",
	} {
		mux.Handle(BasePath+path, a.fixed(reply{http.StatusMethodNotAllowed, bodyMethodNotAllowed}, allow))
	}
	mux.Handle("/", a.fixed(reply{http.StatusNotFound, bodyNotFound}, ""))
	return mux
}

// serve authenticates the request, checks that the Store can answer, limits
// the body and writes the route's reply.
func (a *api) serve(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client, ok := a.client(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="postload"`)
			a.write(w, reply{http.StatusUnauthorized, bodyUnauthorized})
			return
		}
		if !a.store.Ready() {
			w.Header().Set("Retry-After", "1")
			a.write(w, reply{http.StatusServiceUnavailable, bodyUnavailable})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		a.write(w, rt(r, client))
	})
}

// fixed always answers rep; allow, when set, is the Allow header.
func (a *api) fixed(rep reply, allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow != "" {
			w.Header().Set("Allow", allow)
		}
		a.write(w, rep)
	})
}

// client returns the account of the request's bearer token.
func (a *api) client(r *http.Request) (int64, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return 0, false
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return 0, false
	}
	return a.tokens.ClientID(tok)
}

func (a *api) write(w http.ResponseWriter, rep reply) {
	b, err := json.Marshal(rep.body)
	if err != nil {
		a.log.Error("encode response", zap.Error(err))
		rep.status, b = http.StatusInternalServerError, []byte(`{"error":"InternalError"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(rep.status)
	w.Write(b)
}

// failed answers a Store error that no route turns into a documented error:
// Kafka could not be written, or the request was cancelled.
func (a *api) failed(r *http.Request, client int64, err error) reply {
	log := a.log.With(zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Int64("client_id", client))
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		log.Info("request cancelled by the client", zap.Error(err))
	} else {
		log.Error("registry write", zap.Error(err))
	}
	return reply{http.StatusServiceUnavailable, bodyUnavailable}
}

// onID answers a call on the path's {id}: 200 with what do returns, 404 for
// an id that is not a live object of the account, 503 when the registry
// cannot be written.
func (a *api) onID(r *http.Request, client int64, do func(id int64) (any, error)) reply {
	id, ok := pathID(r)
	if !ok {
		return reply{http.StatusNotFound, bodyNotFound}
	}
	v, err := do(id)
	switch {
	case err == nil:
		return reply{http.StatusOK, v}
	case errors.Is(err, ErrNotFound):
		return reply{http.StatusNotFound, bodyNotFound}
	}
	return a.failed(r, client, err)
}

// pathID reads the {id} of the path; false when it is not a positive
// decimal (then it is nobody's id: 404).
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// bad answers a body that could not be read: too large, or malformed.
func bad(err error, malformed json.RawMessage) reply {
	if errors.Is(err, errTooLarge) {
		return reply{http.StatusRequestEntityTooLarge, bodyTooLarge}
	}
	return reply{http.StatusBadRequest, malformed}
}

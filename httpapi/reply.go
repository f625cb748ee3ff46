package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"go.uber.org/zap"
)

// reply is a handler's answer: a status and a value to encode as JSON.
type reply struct {
	status int
	body   any
}

// write sends rep as JSON with its length.
func (s *Server) write(w http.ResponseWriter, rep reply) {
	b, err := json.Marshal(rep.body)
	if err != nil {
		s.cfg.Log.Error("encode response", zap.Error(err))
		rep.status, b = http.StatusInternalServerError, []byte(`{"error":"InternalError"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(rep.status)
	w.Write(b)
}

// fixed always answers rep; allow, when set, is the Allow header.
func (s *Server) fixed(rep reply, allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow != "" {
			w.Header().Set("Allow", allow)
		}
		s.write(w, rep)
	})
}

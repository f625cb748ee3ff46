package httpapi

import (
	"errors"
	"net/http"

	"github.com/postload/postload/hook"
)

// onID answers a call on the path's {id} (see changed); 404 for an {id}
// that is not a positive decimal.
func (s *Server) onID(r *http.Request, client int64, do func(id int64) (any, error)) reply {
	id, ok := pathID(r)
	if !ok {
		return reply{http.StatusNotFound, bodyNotFound}
	}
	return s.changed(r, client, func() (any, error) { return do(id) })
}

// changed answers a change of one object of the account: 200 with what do
// returns, 404 when it is not a live object of the account, 503 when the
// registry cannot be written.
func (s *Server) changed(r *http.Request, client int64, do func() (any, error)) reply {
	v, err := do()
	switch {
	case err == nil:
		return reply{http.StatusOK, v}
	case errors.Is(err, hook.ErrNotFound):
		return reply{http.StatusNotFound, bodyNotFound}
	}
	return s.failed(r, client, "registry write", err)
}

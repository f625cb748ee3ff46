package httpapi

import (
	"errors"
	"net/http"

	"github.com/postload/postload/hook"
	"github.com/postload/postload/schema"
)

// hookRoutes are the calls on an account's hooks.
func (s *Server) hookRoutes() []route {
	return []route{
		{pattern: "POST /hooks", handle: s.createHook},
		{pattern: "GET /hooks", handle: s.listHooks},
		{pattern: "PUT /hooks/{id}", handle: s.enableHook},
		{pattern: "DELETE /hooks/{id}", handle: s.deleteHook},
		{pattern: "POST /hooks/{id}/rotate-secret", handle: s.rotateSecret},
		{pattern: "/hooks", allow: "GET, POST"},
		{pattern: "/hooks/{id}", allow: "PUT, DELETE"},
	}
}

// createHook: POST /hooks {"type":"post_load","destination_id":…,"config":{"url":…}}.
func (s *Server) createHook(r *http.Request, client int64) reply {
	dest, url, err := hookBody(r)
	if err != nil {
		return bad(err, bodyInvalidPost)
	}
	h, err := s.cfg.Registry.CreateHook(r.Context(), client, dest, url)
	switch {
	case err == nil:
		return reply{http.StatusOK, h}
	case errors.Is(err, hook.ErrInvalidURL):
		return reply{http.StatusBadRequest, bodyInvalidURI}
	case errors.Is(err, hook.ErrHookLimit):
		return reply{http.StatusBadRequest, bodyHookLimit}
	case errors.Is(err, hook.ErrInvalidID):
		return reply{http.StatusBadRequest, bodyInvalidPost}
	}
	return s.failed(r, client, "registry write", err)
}

// hookBody reads a POST /hooks body: exactly the keys type, destination_id
// and config, config exactly the key url; type "post_load"; destination_id a
// positive integer; url a string.
func hookBody(r *http.Request) (dest int64, url string, err error) {
	m, err := decodeObject(r.Body)
	if err != nil {
		return 0, "", err
	}
	if !hasKeys(m, "type", "destination_id", "config") {
		return 0, "", errors.New("want exactly type, destination_id and config")
	}
	typ, err := member[string](m["type"])
	if err != nil || typ != schema.HookTypePostLoad {
		return 0, "", errors.New("type must be post_load")
	}
	dest, err = member[int64](m["destination_id"])
	if err != nil || dest <= 0 {
		return 0, "", errors.New("destination_id must be a positive integer")
	}
	cfg, err := object(m["config"])
	if err != nil || !hasKeys(cfg, "url") {
		return 0, "", errors.New("config must be an object with exactly url")
	}
	url, err = member[string](cfg["url"])
	if err != nil {
		return 0, "", errors.New("config.url must be a string")
	}
	return dest, url, nil
}

// listHooks: GET /hooks.
func (s *Server) listHooks(r *http.Request, client int64) reply {
	return reply{http.StatusOK, map[string][]schema.Hook{schema.HookTypePostLoad: s.cfg.Registry.Hooks(client)}}
}

// enableHook: PUT /hooks/{id} {"enable":bool}.
func (s *Server) enableHook(r *http.Request, client int64) reply {
	id, ok := pathID(r)
	if !ok {
		return reply{http.StatusNotFound, bodyNotFound}
	}
	m, err := decodeObject(r.Body)
	if err != nil {
		return bad(err, bodyInvalidEnable)
	}
	if !hasKeys(m, "enable") {
		return reply{http.StatusBadRequest, bodyInvalidEnable}
	}
	enable, err := member[bool](m["enable"])
	if err != nil {
		return reply{http.StatusBadRequest, bodyInvalidEnable}
	}
	return s.changed(r, client, func() (any, error) {
		return s.cfg.Registry.SetHookEnabled(r.Context(), client, id, enable)
	})
}

// deleteHook: DELETE /hooks/{id}.
func (s *Server) deleteHook(r *http.Request, client int64) reply {
	return s.onID(r, client, func(id int64) (any, error) { return nil, s.cfg.Registry.DeleteHook(r.Context(), client, id) })
}

// rotateSecret answers POST /hooks/{id}/rotate-secret: the hook with its new
// config.secret; the previous one keeps signing during the overlap.
func (s *Server) rotateSecret(r *http.Request, client int64) reply {
	return s.onID(r, client, func(id int64) (any, error) { return s.cfg.Registry.RotateSecret(r.Context(), client, id) })
}

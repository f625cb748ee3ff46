package hook

import (
	"errors"
	"net/http"

	"github.com/postload/postload/schema"
)

// createHook: POST /hooks {"type":"post_load","destination_id":…,"config":{"url":…}}.
func (a *api) createHook(r *http.Request, client int64) reply {
	dest, url, err := hookBody(r)
	if err != nil {
		return bad(err, bodyInvalidPost)
	}
	h, err := a.store.CreateHook(r.Context(), client, dest, url)
	switch {
	case err == nil:
		return reply{http.StatusOK, h}
	case errors.Is(err, ErrInvalidURL):
		return reply{http.StatusBadRequest, bodyInvalidURI}
	case errors.Is(err, ErrHookLimit):
		return reply{http.StatusBadRequest, bodyHookLimit}
	case errors.Is(err, ErrInvalidID):
		return reply{http.StatusBadRequest, bodyInvalidPost}
	}
	return a.failed(r, client, err)
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
func (a *api) listHooks(r *http.Request, client int64) reply {
	return reply{http.StatusOK, map[string][]schema.Hook{schema.HookTypePostLoad: a.store.Hooks(client)}}
}

// enableHook: PUT /hooks/{id} {"enable":bool}.
func (a *api) enableHook(r *http.Request, client int64) reply {
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
	h, err := a.store.SetHookEnabled(r.Context(), client, id, enable)
	switch {
	case err == nil:
		return reply{http.StatusOK, h}
	case errors.Is(err, ErrNotFound):
		return reply{http.StatusNotFound, bodyNotFound}
	}
	return a.failed(r, client, err)
}

// deleteHook: DELETE /hooks/{id}.
func (a *api) deleteHook(r *http.Request, client int64) reply {
	return a.onID(r, client, func(id int64) (any, error) { return nil, a.store.DeleteHook(r.Context(), client, id) })
}

// rotateSecret answers POST /hooks/{id}/rotate-secret: the hook with its new
// config.secret; the previous one keeps signing during the overlap.
func (a *api) rotateSecret(r *http.Request, client int64) reply {
	return a.onID(r, client, func(id int64) (any, error) { return a.store.RotateSecret(r.Context(), client, id) })
}

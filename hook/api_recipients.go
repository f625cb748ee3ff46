package hook

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// createRecipient: POST /custom-emails {"email_address":…}.
func (a *api) createRecipient(r *http.Request, client int64) reply {
	m, err := decodeObject(r.Body)
	if err != nil {
		return bad(err, bodyInvalidEmail)
	}
	if !hasKeys(m, "email_address") {
		return reply{http.StatusBadRequest, bodyInvalidEmail}
	}
	email, err := member[string](m["email_address"])
	if err != nil {
		return reply{http.StatusBadRequest, bodyInvalidEmail}
	}
	rec, err := a.store.CreateRecipient(r.Context(), client, email)
	switch {
	case err == nil:
		return reply{http.StatusOK, rec}
	case errors.Is(err, ErrInvalidEmail):
		return reply{http.StatusBadRequest, bodyInvalidEmail}
	case errors.Is(err, ErrRecipientLimit):
		return reply{http.StatusBadRequest, bodyRecipientLimit}
	}
	return a.failed(r, client, err)
}

// listRecipients: GET /custom-emails.
func (a *api) listRecipients(r *http.Request, client int64) reply {
	return reply{http.StatusOK, a.store.AllRecipients(client)}
}

// pauseRecipient: PUT /custom-emails/{id} {"disabled_at": <RFC 3339 time> | null}.
// Any valid time pauses now; null re-enables.
func (a *api) pauseRecipient(r *http.Request, client int64) reply {
	id, ok := pathID(r)
	if !ok {
		return reply{http.StatusNotFound, bodyNotFound}
	}
	m, err := decodeObject(r.Body)
	if err != nil {
		return bad(err, bodyInvalidDisabledAt)
	}
	if !hasKeys(m, "disabled_at") {
		return reply{http.StatusBadRequest, bodyInvalidDisabledAt}
	}
	raw := m["disabled_at"]
	enable := isNull(raw)
	if !enable && !validTime(raw) {
		return reply{http.StatusBadRequest, map[string]json.RawMessage{"disabled_at": raw}}
	}
	rec, err := a.store.SetRecipientEnabled(r.Context(), client, id, enable)
	switch {
	case err == nil:
		return reply{http.StatusOK, map[string]*time.Time{"disabled_at": rec.DisabledAt}}
	case errors.Is(err, ErrNotFound):
		return reply{http.StatusNotFound, bodyNotFound}
	}
	return a.failed(r, client, err)
}

// validTime reports whether raw is a JSON string holding an RFC 3339 time.
func validTime(raw json.RawMessage) bool {
	s, err := member[string](raw)
	if err != nil {
		return false
	}
	_, err = time.Parse(time.RFC3339, s)
	return err == nil
}

// deleteRecipient: DELETE /custom-emails/{id}.
func (a *api) deleteRecipient(r *http.Request, client int64) reply {
	return a.onID(r, client, func(id int64) (any, error) { return nil, a.store.DeleteRecipient(r.Context(), client, id) })
}

package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/postload/postload/hook"
)

// recipientRoutes are the calls on an account's notification recipients.
func (s *Server) recipientRoutes() []route {
	return []route{
		{pattern: "POST /custom-emails", handle: s.createRecipient},
		{pattern: "GET /custom-emails", handle: s.listRecipients},
		{pattern: "PUT /custom-emails/{id}", handle: s.pauseRecipient},
		{pattern: "DELETE /custom-emails/{id}", handle: s.deleteRecipient},
		{pattern: "/custom-emails", allow: "GET, POST"},
		{pattern: "/custom-emails/{id}", allow: "PUT, DELETE"},
	}
}

// createRecipient: POST /custom-emails {"email_address":…}.
func (s *Server) createRecipient(r *http.Request, client int64) reply {
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
	rec, err := s.cfg.Registry.CreateRecipient(r.Context(), client, email)
	switch {
	case err == nil:
		return reply{http.StatusOK, rec}
	case errors.Is(err, hook.ErrInvalidEmail):
		return reply{http.StatusBadRequest, bodyInvalidEmail}
	case errors.Is(err, hook.ErrRecipientLimit):
		return reply{http.StatusBadRequest, bodyRecipientLimit}
	}
	return s.failed(r, client, "registry write", err)
}

// listRecipients: GET /custom-emails.
func (s *Server) listRecipients(r *http.Request, client int64) reply {
	return reply{http.StatusOK, s.cfg.Registry.AllRecipients(client)}
}

// pauseRecipient: PUT /custom-emails/{id} {"disabled_at": <RFC 3339 time> | null}.
// Any valid time pauses now (the recipient's disabled_at is the time of the
// pause); null re-enables. The answer echoes the value sent:
// {"disabled_at": <value as sent>}, with 200 when it was applied and 400
// when it is invalid. For a body that is not an object with exactly the key
// disabled_at, the invalid value is the body itself (see invalidPut).
func (s *Server) pauseRecipient(r *http.Request, client int64) reply {
	id, ok := pathID(r)
	if !ok {
		return reply{http.StatusNotFound, bodyNotFound}
	}
	body, err := readAll(r.Body)
	switch {
	case errors.Is(err, errTooLarge):
		return reply{http.StatusRequestEntityTooLarge, bodyTooLarge}
	case err != nil:
		return reply{http.StatusBadRequest, invalidPut(body)}
	}
	raw, ok := disabledAt(body)
	if !ok {
		return reply{http.StatusBadRequest, invalidPut(body)}
	}
	enable := isNull(raw)
	if !enable && !validTime(raw) {
		return reply{http.StatusBadRequest, echoDisabledAt(raw)}
	}
	return s.changed(r, client, func() (any, error) {
		_, err := s.cfg.Registry.SetRecipientEnabled(r.Context(), client, id, enable)
		return echoDisabledAt(raw), err
	})
}

// disabledAt returns the value of a body that is a UTF-8 JSON object with
// exactly the key disabled_at; false for any other body.
func disabledAt(body []byte) (json.RawMessage, bool) {
	if !utf8.Valid(body) {
		return nil, false
	}
	m, err := decodeObject(bytes.NewReader(body))
	if err != nil || !hasKeys(m, "disabled_at") {
		return nil, false
	}
	return m["disabled_at"], true
}

// echoDisabledAt is the answer {"disabled_at": raw}: the JSON value as it
// was sent (JSON's insignificant whitespace dropped).
func echoDisabledAt(raw json.RawMessage) map[string]json.RawMessage {
	return map[string]json.RawMessage{"disabled_at": raw}
}

// invalidPut answers a PUT body that is not an object with exactly the key
// disabled_at. No disabled_at value was sent, so the value that stood where
// one was expected, the whole body, is the invalid one: the client sees
// exactly what was refused, in the one error form the Connect API
// documents. A body that is UTF-8 JSON is echoed as that JSON value
// (null for the body null); any other body as a JSON string of its bytes
// (invalid UTF-8 replaced by U+FFFD; "" for an empty body).
func invalidPut(body []byte) map[string]any {
	if utf8.Valid(body) && json.Valid(body) {
		return map[string]any{"disabled_at": json.RawMessage(body)}
	}
	return map[string]any{"disabled_at": string(body)}
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
func (s *Server) deleteRecipient(r *http.Request, client int64) reply {
	return s.onID(r, client, func(id int64) (any, error) { return nil, s.cfg.Registry.DeleteRecipient(r.Context(), client, id) })
}

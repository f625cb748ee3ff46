package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"go.uber.org/zap"
)

// The API's error bodies, byte for byte as the Connect API documents them.
var (
	bodyUnauthorized     = json.RawMessage(`{"error":"Unauthorized"}`)
	bodyNotFound         = json.RawMessage(`{"error":"NotFound"}`)
	bodyMethodNotAllowed = json.RawMessage(`{"error":"MethodNotAllowed"}`)
	bodyUnavailable      = json.RawMessage(`{"error":"ServiceUnavailable"}`)
	bodyTooLarge         = json.RawMessage(`{"error":"RequestEntityTooLarge"}`)

	bodyInvalidPost   = json.RawMessage(`{"data":{"message":"Invalid POST body"},"error":"InvalidBody"}`)
	bodyInvalidURI    = json.RawMessage(`{"error":{"message":"Invalid URI"}}`)
	bodyHookLimit     = json.RawMessage(`{"error":{"message":"You have exceeded the limit of 10 hooks."}}`)
	bodyInvalidEnable = json.RawMessage(`{"data":{"message":"PUT body must only contain boolean 'enable' key"},"error":"InvalidBody"}`)

	bodyInvalidEmail   = json.RawMessage(`{"error":{"message":{"email_address":"Required. Must be valid email address format."}}}`)
	bodyRecipientLimit = json.RawMessage(`{"error":{"message":"Account not authorized to create additional custom notification email addresses."}}`)
	// A bad PUT /custom-emails/{id} body answers {"disabled_at": <the
	// invalid value>}, made from the request (echoDisabledAt, invalidPut).
)

// badRequest is a 400 whose body says what to fix: {"error":{"message":…}}.
func badRequest(msg string) reply {
	return reply{http.StatusBadRequest, map[string]map[string]string{"error": {"message": msg}}}
}

// bad answers a body that could not be read: too large, or malformed.
func bad(err error, malformed json.RawMessage) reply {
	if errors.Is(err, errTooLarge) {
		return reply{http.StatusRequestEntityTooLarge, bodyTooLarge}
	}
	return reply{http.StatusBadRequest, malformed}
}

// failed answers an error that no handler turns into a documented error:
// Kafka could not be read or written (logged with what, the handler's
// work), or the request was cancelled.
func (s *Server) failed(r *http.Request, client int64, what string, err error) reply {
	log := s.cfg.Log.With(zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Int64("client_id", client))
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		log.Info("request cancelled by the client", zap.Error(err))
	} else {
		log.Error(what, zap.Error(err))
	}
	return reply{http.StatusServiceUnavailable, bodyUnavailable}
}

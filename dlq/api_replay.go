package dlq

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// maxReplayBody bounds a replay request's body.
const maxReplayBody = 64 << 10

// replayBody is the optional body of POST /hooks/{id}/dead-letters/replay.
type replayBody struct {
	Since  *time.Time `json:"since"`
	Until  *time.Time `json:"until"`
	DryRun bool       `json:"dry_run"`
}

// replay: POST /hooks/{id}/dead-letters/replay.
func (a *api) replay(r *http.Request, client int64) (int, any) {
	id, ok := a.hookOf(r, client)
	if !ok {
		return http.StatusNotFound, bodyNotFound
	}
	body, err := readReplayBody(r.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, bodyTooLarge
	case err != nil:
		return http.StatusBadRequest, badRequest(err.Error())
	}
	f := Filter{ClientID: client, HookID: id}
	if body.Since != nil {
		f.Since = *body.Since
	}
	if body.Until != nil {
		f.Until = *body.Until
	}
	select {
	case a.replaying <- struct{}{}:
		defer func() { <-a.replaying }()
	case <-r.Context().Done():
		return a.failed(r, client, r.Context().Err())
	}
	res, err := Replay(r.Context(), a.cfg, f, a.hooks, a.pub, body.DryRun, a.now)
	if err != nil {
		return a.failed(r, client, err)
	}
	return http.StatusOK, res
}

// errReplayBody says what a replay body may hold.
var errReplayBody = errors.New(`body must be empty or a JSON object with optional "since" and "until" (RFC 3339) and "dry_run" (boolean)`)

// readReplayBody reads an empty body (all defaults) or one JSON object.
func readReplayBody(r io.Reader) (replayBody, error) {
	var b replayBody
	raw, err := io.ReadAll(io.LimitReader(r, maxReplayBody+1))
	if err != nil {
		return b, err
	}
	if len(raw) > maxReplayBody {
		return b, &http.MaxBytesError{Limit: maxReplayBody}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return b, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return replayBody{}, errReplayBody
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return replayBody{}, errReplayBody // something after the object
	}
	var since, until time.Time
	if b.Since != nil {
		since = *b.Since
	}
	if b.Until != nil {
		until = *b.Until
	}
	return b, checkRange(since, until)
}

package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/postload/postload/hook"
	"github.com/postload/postload/schema"
)

// hookRow is one hook in the list.
type hookRow struct {
	schema.Hook
	Enabled bool
	// Breaker is its endpoint's breaker state in this process; "closed"
	// for an endpoint not sent to yet.
	Breaker string
	// Log is the last hour of its delivery log, and its last attempt; nil
	// without a delivery log, or when it could not be read (LogError).
	Log      *hourStats
	LogError string
}

// hooksView is the hooks page: the list and the form to create one.
type hooksView struct {
	Hooks        []hookRow
	ShowBreakers bool
	ShowLog      bool   // a delivery log: the last attempt and success rate
	Error        string // why the form was refused
	Destination  string // the form's values, kept when refused
	URL          string
	Max          int
}

// hooksPage: GET hooks.
func (s *Server) hooksPage(r *http.Request, a *account) result {
	return result{status: http.StatusOK, page: "hooks", data: s.hooksView(r, a)}
}

func (s *Server) hooksView(r *http.Request, a *account) hooksView {
	v := hooksView{ShowBreakers: s.cfg.Breakers != nil, ShowLog: s.cfg.Attempts != nil, Max: hook.MaxHooks}
	states := s.breakerStates()
	now := s.cfg.Now()
	for _, h := range s.cfg.Registry.Hooks(a.client) {
		row := s.row(h, states)
		if v.ShowLog {
			st, err := lastHour(r.Context(), s.cfg.Attempts, a.client, h.ID, now)
			if err != nil {
				row.LogError = s.logError(r, a, err)
			} else {
				row.Log = &st
			}
		}
		v.Hooks = append(v.Hooks, row)
	}
	return v
}

func (s *Server) breakerStates() map[string]string {
	if s.cfg.Breakers == nil {
		return nil
	}
	return s.cfg.Breakers.BreakerStates()
}

func (s *Server) row(h schema.Hook, states map[string]string) hookRow {
	st, ok := states[h.Config.URL]
	if !ok {
		st = "closed"
	}
	return hookRow{Hook: h, Enabled: h.Enabled(), Breaker: st}
}

// createHook: POST hooks with destination_id and url, checked as the API
// checks them, with the API's messages.
func (s *Server) createHook(r *http.Request, a *account) result {
	dest, url := strings.TrimSpace(r.PostForm.Get("destination_id")), strings.TrimSpace(r.PostForm.Get("url"))
	refuse := func(msg string) result {
		v := s.hooksView(r, a)
		v.Error, v.Destination, v.URL = msg, dest, url
		return result{status: http.StatusBadRequest, page: "hooks", data: v}
	}
	id, err := strconv.ParseInt(dest, 10, 64)
	if err != nil || id <= 0 {
		return refuse(msgDestinationID)
	}
	h, err := s.cfg.Registry.CreateHook(r.Context(), a.client, id, url)
	switch {
	case errors.Is(err, hook.ErrInvalidURL):
		return refuse(msgInvalidURI)
	case errors.Is(err, hook.ErrHookLimit):
		return refuse(msgHookLimit)
	case errors.Is(err, hook.ErrInvalidID):
		return refuse(msgInvalidPost)
	case err != nil:
		return s.failed(r, a, "registry write", err)
	}
	s.notify(a, notice{Text: fmt.Sprintf("Hook %d created.", h.ID)})
	return result{redirect: Prefix + "hooks"}
}

// enableHook: POST hooks/{id}/enable or disable.
func (s *Server) enableHook(enable bool) handler {
	return func(r *http.Request, a *account) result {
		return s.onHook(r, a, func(id int64) (string, error) {
			_, err := s.cfg.Registry.SetHookEnabled(r.Context(), a.client, id, enable)
			if enable {
				return fmt.Sprintf("Hook %d enabled.", id), err
			}
			return fmt.Sprintf("Hook %d disabled.", id), err
		}, back(r))
	}
}

// rotateSecret: POST hooks/{id}/rotate-secret, then the hook's page with
// the new secret shown.
func (s *Server) rotateSecret(r *http.Request, a *account) result {
	id, _ := pathID(r)
	return s.onHook(r, a, func(id int64) (string, error) {
		h, err := s.cfg.Registry.RotateSecret(r.Context(), a.client, id)
		msg := "Secret rotated."
		if h.Config.PreviousSecretExpiresAt != nil {
			msg += " The previous secret also signs until " + whenp(h.Config.PreviousSecretExpiresAt) + "."
		}
		return msg, err
	}, hookPath(id)+"?show=secret")
}

// confirmDeleteHook: GET hooks/{id}/delete, the confirm step.
func (s *Server) confirmDeleteHook(r *http.Request, a *account) result {
	h, ok := s.hookOf(r, a)
	if !ok {
		return notFound()
	}
	return result{status: http.StatusOK, page: "delete-hook", data: h}
}

// deleteHook: POST hooks/{id}/delete.
func (s *Server) deleteHook(r *http.Request, a *account) result {
	return s.onHook(r, a, func(id int64) (string, error) {
		return fmt.Sprintf("Hook %d deleted.", id), s.cfg.Registry.DeleteHook(r.Context(), a.client, id)
	}, Prefix+"hooks")
}

// onHook does a change of the path's hook: 404 unless it is a live hook of
// the account, then a notice with what do says and a redirect to next.
func (s *Server) onHook(r *http.Request, a *account, do func(id int64) (string, error), next string) result {
	id, ok := pathID(r)
	if !ok {
		return notFound()
	}
	msg, err := do(id)
	switch {
	case errors.Is(err, hook.ErrNotFound):
		return notFound()
	case err != nil:
		return s.failed(r, a, "registry write", err)
	}
	s.notify(a, notice{Text: msg})
	return result{redirect: next}
}

// hookOf returns the path's hook if it is a live hook of the account.
func (s *Server) hookOf(r *http.Request, a *account) (schema.Hook, bool) {
	id, ok := pathID(r)
	if !ok {
		return schema.Hook{}, false
	}
	h, ok := s.cfg.Registry.Hook(id)
	return h, ok && h.ClientID == a.client && h.DeletedAt == nil
}

// back is where an action posted from the list or a hook's page returns:
// the form's "back" field when it is one of the console's pages, else the
// list.
func back(r *http.Request) string {
	b := r.PostForm.Get("back")
	if b == "hook" {
		id, _ := pathID(r)
		return hookPath(id)
	}
	return Prefix + "hooks"
}

func hookPath(id int64) string { return Prefix + "hooks/" + strconv.FormatInt(id, 10) }

// pathID reads the {id} of the path; false unless a positive decimal.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// notify leaves n for the page the request leads to.
func (s *Server) notify(a *account, n notice) { a.notice = &n }

// failed answers a failure of the registry or of Kafka, logged with the
// method, the route and the account (never the token or a URL).
func (s *Server) failed(r *http.Request, a *account, what string, err error) result {
	log := s.cfg.Log.With(zap.String("method", r.Method), zap.String("route", r.Pattern), zap.Int64("client_id", a.client))
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		log.Info("console request cancelled by the client", zap.Error(err))
	} else {
		log.Error(what, zap.Error(err))
	}
	return unavailable()
}

package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/postload/postload/hook"
	"github.com/postload/postload/schema"
)

// recipientsView is the recipients page.
type recipientsView struct {
	Recipients []schema.Recipient
	Error      string
	Email      string
}

// recipientsPage: GET recipients.
func (s *Server) recipientsPage(r *http.Request, a *account) result {
	return result{status: http.StatusOK, page: "recipients", data: recipientsView{Recipients: s.cfg.Registry.AllRecipients(a.client)}}
}

// createRecipient: POST recipients with email_address.
func (s *Server) createRecipient(r *http.Request, a *account) result {
	email := strings.TrimSpace(r.PostForm.Get("email_address"))
	refuse := func(msg string) result {
		return result{status: http.StatusBadRequest, page: "recipients", data: recipientsView{
			Recipients: s.cfg.Registry.AllRecipients(a.client), Error: msg, Email: email,
		}}
	}
	rec, err := s.cfg.Registry.CreateRecipient(r.Context(), a.client, email)
	switch {
	case errors.Is(err, hook.ErrInvalidEmail):
		return refuse(msgInvalidEmail)
	case errors.Is(err, hook.ErrRecipientLimit):
		return refuse(msgRecipientLimit)
	case err != nil:
		return s.failed(r, a, "registry write", err)
	}
	s.notify(a, notice{Text: fmt.Sprintf("Recipient %s added.", rec.EmailAddress)})
	return result{redirect: Prefix + "recipients"}
}

// pauseRecipient: POST recipients/{id}/pause or unpause.
func (s *Server) pauseRecipient(enable bool) handler {
	return func(r *http.Request, a *account) result {
		return s.onRecipient(r, a, func(id int64) (string, error) {
			rec, err := s.cfg.Registry.SetRecipientEnabled(r.Context(), a.client, id, enable)
			if enable {
				return fmt.Sprintf("Recipient %s unpaused.", rec.EmailAddress), err
			}
			return fmt.Sprintf("Recipient %s paused.", rec.EmailAddress), err
		})
	}
}

// deleteRecipient: POST recipients/{id}/delete.
func (s *Server) deleteRecipient(r *http.Request, a *account) result {
	return s.onRecipient(r, a, func(id int64) (string, error) {
		return fmt.Sprintf("Recipient %d deleted.", id), s.cfg.Registry.DeleteRecipient(r.Context(), a.client, id)
	})
}

// onRecipient does a change of the path's recipient: 404 unless a live
// recipient of the account.
func (s *Server) onRecipient(r *http.Request, a *account, do func(id int64) (string, error)) result {
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
	return result{redirect: Prefix + "recipients"}
}

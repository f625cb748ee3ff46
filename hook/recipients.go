package hook

import (
	"context"

	"github.com/postload/postload/schema"
)

// Recipients returns the enabled recipients of an account, ordered by id:
// those that undeliverable-hook and failed-load emails go to.
func (s *Store) Recipients(clientID int64) []schema.Recipient {
	all := s.AllRecipients(clientID)
	out := all[:0]
	for _, r := range all {
		if r.DisabledAt == nil {
			out = append(out, r)
		}
	}
	return out
}

// AllRecipients returns the recipients of an account, disabled ones
// included, ordered by id; an empty slice when it has none.
func (s *Store) AllRecipients(clientID int64) []schema.Recipient {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.v.recipientsOf(clientID)
}

// recipients is what create and modify need to know of recipients.
var recipients = kind[schema.Recipient]{
	name:  "recipient",
	topic: func(s *Store) string { return s.cfg.RecipientsTopic },
	limit: ErrRecipientLimit,
	count: func(s *Store, client int64) int { return len(s.v.recipIDs[client]) },
	get: func(s *Store, id int64) (schema.Recipient, bool) {
		r, ok := s.v.recipients[id]
		return cloneRecipient(r), ok
	},
	owner: func(r schema.Recipient) int64 { return r.ClientID },
}

// CreateRecipient adds an enabled recipient with a new id. The limit of
// MaxRecipients holds across instances (see ledger). Errors: ErrInvalidID,
// ErrInvalidEmail, ErrRecipientLimit, ErrUnavailable.
func (s *Store) CreateRecipient(ctx context.Context, clientID int64, email string) (schema.Recipient, error) {
	if clientID <= 0 {
		return schema.Recipient{}, ErrInvalidID
	}
	if !validEmail(email) {
		return schema.Recipient{}, ErrInvalidEmail
	}
	return create(ctx, s, recipients, clientID, func(id int64) (schema.Recipient, error) {
		return schema.Recipient{ID: id, ClientID: clientID, EmailAddress: email, CreatedAt: stamp(s.now())}, nil
	})
}

// SetRecipientEnabled pauses (disabled_at = now) or re-enables recipient id
// of the account and returns it. A recipient already in the asked state is
// returned unchanged, without a write. Errors: ErrNotFound, ErrUnavailable.
func (s *Store) SetRecipientEnabled(ctx context.Context, clientID, id int64, enabled bool) (schema.Recipient, error) {
	return modify(ctx, s, recipients, clientID, id, func(r *schema.Recipient) bool {
		if (r.DisabledAt == nil) == enabled {
			return false
		}
		r.DisabledAt = nil
		if !enabled {
			now := stamp(s.now())
			r.DisabledAt = &now
		}
		return true
	})
}

// DeleteRecipient deletes recipient id of the account (deleted_at set, the
// id never reused). Errors: ErrNotFound, ErrUnavailable.
func (s *Store) DeleteRecipient(ctx context.Context, clientID, id int64) error {
	_, err := modify(ctx, s, recipients, clientID, id, func(r *schema.Recipient) bool {
		now := stamp(s.now())
		r.DeletedAt = &now
		return true
	})
	return err
}

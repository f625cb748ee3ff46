package hook

import (
	"context"
	"fmt"

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

// recipientOf returns recipient id if it belongs to the account.
func (s *Store) recipientOf(clientID, id int64) (schema.Recipient, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.v.recipients[id]
	if !ok || r.ClientID != clientID {
		return schema.Recipient{}, ErrNotFound
	}
	return cloneRecipient(r), nil
}

// CreateRecipient adds an enabled recipient with a new id. Errors:
// ErrInvalidID, ErrInvalidEmail, ErrRecipientLimit, ErrUnavailable.
func (s *Store) CreateRecipient(ctx context.Context, clientID int64, email string) (schema.Recipient, error) {
	if clientID <= 0 {
		return schema.Recipient{}, ErrInvalidID
	}
	if !validEmail(email) {
		return schema.Recipient{}, ErrInvalidEmail
	}
	unlock, err := s.lockClient(ctx, clientID)
	if err != nil {
		return schema.Recipient{}, err
	}
	defer unlock()
	if err := s.usable(); err != nil {
		return schema.Recipient{}, err
	}
	if s.count(s.v.recipIDs, clientID) >= MaxRecipients {
		return schema.Recipient{}, ErrRecipientLimit
	}
	id, err := s.nextID(ctx)
	if err != nil {
		return schema.Recipient{}, err
	}
	r := schema.Recipient{ID: id, ClientID: clientID, EmailAddress: email, CreatedAt: stamp(s.now())}
	if err := s.write(ctx, s.cfg.RecipientsTopic, id, r); err != nil {
		return schema.Recipient{}, fmt.Errorf("create recipient %d: %w", id, err)
	}
	return r, nil
}

// SetRecipientEnabled pauses (disabled_at = now) or re-enables recipient id
// of the account and returns it. A recipient already in the asked state is
// returned unchanged, without a write. Errors: ErrNotFound, ErrUnavailable.
func (s *Store) SetRecipientEnabled(ctx context.Context, clientID, id int64, enabled bool) (schema.Recipient, error) {
	unlock, err := s.lockClient(ctx, clientID)
	if err != nil {
		return schema.Recipient{}, err
	}
	defer unlock()
	r, err := s.recipientOf(clientID, id)
	if err != nil {
		return schema.Recipient{}, err
	}
	if (r.DisabledAt == nil) == enabled {
		return r, nil
	}
	if err := s.usable(); err != nil {
		return schema.Recipient{}, err
	}
	r.DisabledAt = nil
	if !enabled {
		now := stamp(s.now())
		r.DisabledAt = &now
	}
	if err := s.write(ctx, s.cfg.RecipientsTopic, id, r); err != nil {
		return schema.Recipient{}, fmt.Errorf("set recipient %d enabled=%t: %w", id, enabled, err)
	}
	return r, nil
}

// DeleteRecipient deletes recipient id of the account (deleted_at set, the
// id never reused). Errors: ErrNotFound, ErrUnavailable.
func (s *Store) DeleteRecipient(ctx context.Context, clientID, id int64) error {
	unlock, err := s.lockClient(ctx, clientID)
	if err != nil {
		return err
	}
	defer unlock()
	r, err := s.recipientOf(clientID, id)
	if err != nil {
		return err
	}
	if err := s.usable(); err != nil {
		return err
	}
	now := stamp(s.now())
	r.DeletedAt = &now
	if err := s.write(ctx, s.cfg.RecipientsTopic, id, r); err != nil {
		return fmt.Errorf("delete recipient %d: %w", id, err)
	}
	return nil
}

package hook

import (
	"context"
	"fmt"

	"github.com/postload/postload/schema"
)

// Match returns the enabled hooks of an account's destination, ordered by
// id. It is the dispatcher's hot path: it takes a read lock and a map
// lookup, and allocates nothing. The slice is shared and must not be
// modified; the Store never modifies it either (a change replaces it).
func (s *Store) Match(clientID, destinationID int64) []schema.Hook {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.v.match[matchKey{clientID, destinationID}]
}

// Hook returns hook id, enabled or disabled; false if it is unknown or
// deleted.
func (s *Store) Hook(id int64) (schema.Hook, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	h, ok := s.v.hooks[id]
	return cloneHook(h), ok
}

// Hooks returns the hooks of an account, disabled ones included, ordered by
// id; an empty slice when it has none.
func (s *Store) Hooks(clientID int64) []schema.Hook {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.v.hooksOf(clientID)
}

// hookOf returns hook id if it belongs to the account.
func (s *Store) hookOf(clientID, id int64) (schema.Hook, error) {
	h, ok := s.Hook(id)
	if !ok || h.ClientID != clientID {
		return schema.Hook{}, ErrNotFound
	}
	return h, nil
}

// CreateHook adds an enabled post_load hook with a new id and signing
// secret. Errors: ErrInvalidID, ErrInvalidURL, ErrHookLimit, ErrUnavailable.
func (s *Store) CreateHook(ctx context.Context, clientID, destinationID int64, url string) (schema.Hook, error) {
	if clientID <= 0 || destinationID <= 0 {
		return schema.Hook{}, ErrInvalidID
	}
	if !validURL(url) {
		return schema.Hook{}, ErrInvalidURL
	}
	if s.cfg.CheckURL != nil {
		if err := s.cfg.CheckURL(url); err != nil {
			return schema.Hook{}, fmt.Errorf("%w: %w", ErrInvalidURL, err)
		}
	}
	unlock, err := s.lockClient(ctx, clientID)
	if err != nil {
		return schema.Hook{}, err
	}
	defer unlock()
	if err := s.usable(); err != nil {
		return schema.Hook{}, err
	}
	if s.count(s.v.hookIDs, clientID) >= MaxHooks {
		return schema.Hook{}, ErrHookLimit
	}
	secret, err := newSecret()
	if err != nil {
		return schema.Hook{}, err
	}
	id, err := s.nextID(ctx)
	if err != nil {
		return schema.Hook{}, err
	}
	now := stamp(s.now())
	h := schema.Hook{
		ID:            id,
		ClientID:      clientID,
		Type:          schema.HookTypePostLoad,
		Version:       schema.HookVersion,
		DestinationID: destinationID,
		Config:        schema.HookConfig{URL: url, Secret: secret},
		CreatedAt:     now,
		ModifiedAt:    now,
	}
	if err := s.write(ctx, s.cfg.HooksTopic, id, h); err != nil {
		return schema.Hook{}, fmt.Errorf("create hook %d: %w", id, err)
	}
	return h, nil
}

// SetHookEnabled enables or disables hook id of the account and returns it.
// Disabling sets disabled_at, enabling clears it; both update modified_at.
// A hook already in the asked state is returned unchanged, without a write.
// Errors: ErrNotFound (unknown, deleted, or another account's), ErrUnavailable.
func (s *Store) SetHookEnabled(ctx context.Context, clientID, id int64, enabled bool) (schema.Hook, error) {
	unlock, err := s.lockClient(ctx, clientID)
	if err != nil {
		return schema.Hook{}, err
	}
	defer unlock()
	h, err := s.hookOf(clientID, id)
	if err != nil {
		return schema.Hook{}, err
	}
	if h.Enabled() == enabled {
		return h, nil
	}
	if err := s.usable(); err != nil {
		return schema.Hook{}, err
	}
	now := stamp(s.now())
	h.ModifiedAt = now
	h.DisabledAt = nil
	if !enabled {
		h.DisabledAt = &now
	}
	if err := s.write(ctx, s.cfg.HooksTopic, id, h); err != nil {
		return schema.Hook{}, fmt.Errorf("set hook %d enabled=%t: %w", id, enabled, err)
	}
	return h, nil
}

// RotateSecret gives hook id of the account a new signing secret and
// returns it. The previous secret keeps signing (a second signature) for
// Config.RotationOverlap. Errors: ErrNotFound, ErrUnavailable.
func (s *Store) RotateSecret(ctx context.Context, clientID, id int64) (schema.Hook, error) {
	unlock, err := s.lockClient(ctx, clientID)
	if err != nil {
		return schema.Hook{}, err
	}
	defer unlock()
	h, err := s.hookOf(clientID, id)
	if err != nil {
		return schema.Hook{}, err
	}
	if err := s.usable(); err != nil {
		return schema.Hook{}, err
	}
	secret, err := newSecret()
	if err != nil {
		return schema.Hook{}, err
	}
	now := stamp(s.now())
	expires := now.Add(s.cfg.RotationOverlap)
	h.Config = schema.HookConfig{URL: h.Config.URL, Secret: secret, PreviousSecret: h.Config.Secret, PreviousSecretExpiresAt: &expires}
	h.ModifiedAt = now
	if err := s.write(ctx, s.cfg.HooksTopic, id, h); err != nil {
		return schema.Hook{}, fmt.Errorf("rotate secret of hook %d: %w", id, err)
	}
	return h, nil
}

// DeleteHook deletes hook id of the account: it writes the hook with
// deleted_at set, so that the id is never reused. Errors: ErrNotFound,
// ErrUnavailable.
func (s *Store) DeleteHook(ctx context.Context, clientID, id int64) error {
	unlock, err := s.lockClient(ctx, clientID)
	if err != nil {
		return err
	}
	defer unlock()
	h, err := s.hookOf(clientID, id)
	if err != nil {
		return err
	}
	if err := s.usable(); err != nil {
		return err
	}
	now := stamp(s.now())
	h.ModifiedAt = now
	h.DeletedAt = &now
	if err := s.write(ctx, s.cfg.HooksTopic, id, h); err != nil {
		return fmt.Errorf("delete hook %d: %w", id, err)
	}
	return nil
}

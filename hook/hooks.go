package hook

import (
	"context"
	"fmt"

	"github.com/postload/postload/egress"
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

// hooks is what create and modify need to know of hooks.
var hooks = kind[schema.Hook]{
	name:  "hook",
	topic: func(s *Store) string { return s.cfg.HooksTopic },
	limit: ErrHookLimit,
	count: func(s *Store, client int64) int { return len(s.v.hookIDs[client]) },
	get: func(s *Store, id int64) (schema.Hook, bool) {
		h, ok := s.v.hooks[id]
		return cloneHook(h), ok
	},
	owner: func(h schema.Hook) int64 { return h.ClientID },
}

// CreateHook adds an enabled post_load hook with a new id and signing
// secret. The URL is stored in its normal form (egress.NormalizeURL), which
// the SSRF guard (Config.CheckURL) judges. The limit of MaxHooks holds
// across instances (see ledger). Errors: ErrInvalidID, ErrInvalidURL,
// ErrHookLimit, ErrUnavailable.
func (s *Store) CreateHook(ctx context.Context, clientID, destinationID int64, url string) (schema.Hook, error) {
	if clientID <= 0 || destinationID <= 0 {
		return schema.Hook{}, ErrInvalidID
	}
	url, err := s.checkURL(url)
	if err != nil {
		return schema.Hook{}, err
	}
	return create(ctx, s, hooks, clientID, func(id int64) (schema.Hook, error) {
		secret, err := newSecret()
		if err != nil {
			return schema.Hook{}, err
		}
		now := stamp(s.now())
		return schema.Hook{
			ID:            id,
			ClientID:      clientID,
			Type:          schema.HookTypePostLoad,
			Version:       schema.HookVersion,
			DestinationID: destinationID,
			Config:        schema.HookConfig{URL: url, Secret: secret},
			CreatedAt:     now,
			ModifiedAt:    now,
		}, nil
	})
}

// SetHookEnabled enables or disables hook id of the account and returns it.
// Disabling sets disabled_at, enabling clears it and auto_disabled; both
// update modified_at.
// A hook already in the asked state is returned unchanged, without a write.
// Errors: ErrNotFound (unknown, deleted, or another account's), ErrUnavailable.
func (s *Store) SetHookEnabled(ctx context.Context, clientID, id int64, enabled bool) (schema.Hook, error) {
	return modify(ctx, s, hooks, clientID, id, func(h *schema.Hook) bool {
		if h.Enabled() == enabled {
			return false
		}
		now := stamp(s.now())
		h.ModifiedAt, h.DisabledAt, h.AutoDisabled = now, nil, nil
		if !enabled {
			h.DisabledAt = &now
		}
		return true
	})
}

// AutoDisableHook disables hook id of the account because every attempt
// failed since why.FailingSince (auto-disable), recording why in the hook's
// auto_disabled (why.At is set to the time of the change, disabled_at), and
// returns the hook as it is then. It changes nothing, without a write, when
// the hook is disabled already or was changed (modified_at) after
// why.FailingSince: a change of the hook (enabled again, a new secret)
// starts the failing period anew. The caller tells whether the hook is
// disabled for why from the hook returned: disabled, with auto_disabled's
// failing_since that of why. Errors: ErrNotFound, ErrUnavailable.
func (s *Store) AutoDisableHook(ctx context.Context, clientID, id int64, why schema.AutoDisabled) (schema.Hook, error) {
	return modify(ctx, s, hooks, clientID, id, func(h *schema.Hook) bool {
		if !h.Enabled() || h.ModifiedAt.After(why.FailingSince) {
			return false
		}
		now := stamp(s.now())
		why.At = now
		h.ModifiedAt, h.DisabledAt, h.AutoDisabled = now, &now, &why
		return true
	})
}

// RotateSecret gives hook id of the account a new signing secret and
// returns it. The previous secret keeps signing (a second signature) for
// Config.RotationOverlap. Errors: ErrNotFound, ErrUnavailable.
func (s *Store) RotateSecret(ctx context.Context, clientID, id int64) (schema.Hook, error) {
	secret, err := newSecret()
	if err != nil {
		return schema.Hook{}, err
	}
	return modify(ctx, s, hooks, clientID, id, func(h *schema.Hook) bool {
		now := stamp(s.now())
		expires := now.Add(s.cfg.RotationOverlap)
		h.Config = schema.HookConfig{URL: h.Config.URL, Secret: secret, PreviousSecret: h.Config.Secret, PreviousSecretExpiresAt: &expires}
		h.ModifiedAt = now
		return true
	})
}

// DeleteHook deletes hook id of the account: it writes the hook with
// deleted_at set, so that the id is never reused. Errors: ErrNotFound,
// ErrUnavailable.
func (s *Store) DeleteHook(ctx context.Context, clientID, id int64) error {
	_, err := modify(ctx, s, hooks, clientID, id, func(h *schema.Hook) bool {
		now := stamp(s.now())
		h.ModifiedAt, h.DeletedAt = now, &now
		return true
	})
	return err
}

// checkURL returns the normal form of a hook URL if it passes the URL
// rules and the SSRF guard; otherwise an error wrapping ErrInvalidURL.
func (s *Store) checkURL(raw string) (string, error) {
	url, err := egress.NormalizeURL(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	if s.cfg.CheckURL != nil {
		if err := s.cfg.CheckURL(url); err != nil {
			return "", fmt.Errorf("%w: %w", ErrInvalidURL, err)
		}
	}
	return url, nil
}

package hook

import "errors"

// Errors returned by the Store; check them with errors.Is.
var (
	// ErrNotFound: no such id, it was deleted, or it belongs to another
	// account.
	ErrNotFound = errors.New("hook: not found")
	// ErrHookLimit: the account already has MaxHooks hooks.
	ErrHookLimit = errors.New("hook: limit of hooks per account reached")
	// ErrRecipientLimit: the account already has MaxRecipients recipients.
	ErrRecipientLimit = errors.New("hook: limit of recipients per account reached")
	// ErrInvalidURL: a hook URL that is not an absolute https:// URL with a
	// host.
	ErrInvalidURL = errors.New("hook: invalid hook URL")
	// ErrInvalidEmail: a recipient address that is not a bare email address.
	ErrInvalidEmail = errors.New("hook: invalid email address")
	// ErrInvalidID: a client or destination id that is not positive.
	ErrInvalidID = errors.New("hook: ids must be positive")
	// ErrUnavailable: Kafka could not be written to (or this Store is not
	// ready or not running); the change may or may not have been made.
	ErrUnavailable = errors.New("hook: registry unavailable")
)

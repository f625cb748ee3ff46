package email

import (
	"context"
	"errors"

	"github.com/wneessen/go-mail"
)

// transport hands one email to its destination.
type transport interface {
	// deliver sends m, whose outbox file name is file, and says where it
	// went (the server or the file) for logs. An error wrapping errUnavailable means
	// the destination as a whole failed, so every email waits; any other
	// error concerns m alone.
	deliver(ctx context.Context, m *mail.Msg, file string) (where string, err error)
}

// errUnavailable marks a failure of the SMTP server or outbox as a whole.
var errUnavailable = errors.New("destination unavailable")

package email

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wneessen/go-mail"
)

// outbox writes each email as an RFC 5322 .eml file, named by the email
// (<its Date, UTC>-<its ID>.eml): an email written again after a crash
// replaces its file rather than adding one. A file appears whole or not at
// all: it is written under a temporary name, synced, then renamed.
type outbox struct {
	dir string
}

func (o *outbox) deliver(_ context.Context, m *mail.Msg, file string) (string, error) {
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return o.dir, fmt.Errorf("%w: outbox: %w", errUnavailable, err)
	}
	name := filepath.Join(o.dir, file)
	if err := writeFile(name, m); err != nil {
		return name, fmt.Errorf("%w: outbox: %w", errUnavailable, err)
	}
	return name, nil
}

func writeFile(name string, m *mail.Msg) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), ".partial-*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = m.WriteTo(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

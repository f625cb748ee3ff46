package token

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// CheckInterval is the longest a token added to the file waits before
// lookups see it.
const CheckInterval = time.Second

// File answers which account a token belongs to, from the token file. It is
// safe for concurrent use.
type File struct {
	path string
	log  *zap.Logger

	// tokens maps sha256(token) to the client id; replaced whole on reload.
	tokens atomic.Pointer[map[[sha256.Size]byte]int64]

	// nextCheck is when the file may be checked again, in Unix nanoseconds.
	nextCheck atomic.Int64

	mu   sync.Mutex  // guards seen; held while checking and reloading
	seen fs.FileInfo // nil when the file was missing at the last check
}

// Open loads the token file at path. A missing file is not an error: there
// are no tokens until it appears. Any other problem reading it is.
func Open(path string, log *zap.Logger) (*File, error) {
	f := &File{path: path, log: log.With(zap.String("token_file", path))}
	empty := map[[sha256.Size]byte]int64{}
	f.tokens.Store(&empty)
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f.log.Info("token file does not exist: no API tokens until it is created")
	case err != nil:
		return nil, fmt.Errorf("token: stat token file: %w", err)
	default:
		if err := f.load(info); err != nil {
			return nil, err
		}
	}
	f.nextCheck.Store(time.Now().Add(CheckInterval).UnixNano())
	return f, nil
}

// ClientID returns the account of tok; false for an unknown or empty token.
func (f *File) ClientID(tok string) (int64, bool) {
	if tok == "" {
		return 0, false
	}
	f.refresh()
	id, ok := (*f.tokens.Load())[sha256.Sum256([]byte(tok))]
	return id, ok
}

// ClientIDOfDigest is ClientID of the token whose SHA-256 is sum.
func (f *File) ClientIDOfDigest(sum [sha256.Size]byte) (int64, bool) {
	f.refresh()
	id, ok := (*f.tokens.Load())[sum]
	return id, ok
}

// refresh reloads the file if it changed, checking at most once per
// CheckInterval. A failed reload keeps the tokens already loaded.
func (f *File) refresh() {
	now := time.Now()
	next := f.nextCheck.Load()
	if now.UnixNano() < next || !f.nextCheck.CompareAndSwap(next, now.Add(CheckInterval).UnixNano()) {
		return // checked recently, or another lookup is checking now
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	info, err := os.Stat(f.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if f.seen != nil {
			f.log.Warn("token file disappeared: keeping the tokens loaded before")
			f.seen = nil
		}
	case err != nil:
		f.log.Warn("stat token file: keeping the tokens loaded before", zap.Error(err))
	case f.seen == nil || changed(f.seen, info):
		if err := f.load(info); err != nil {
			f.log.Warn("reload token file: keeping the tokens loaded before", zap.Error(err))
		}
	}
}

// changed reports whether the file was replaced, grew, shrank or was
// written since old was taken.
func changed(old, cur fs.FileInfo) bool {
	return !os.SameFile(old, cur) || old.Size() != cur.Size() || !old.ModTime().Equal(cur.ModTime())
}

// load reads the file and replaces the tokens. f.mu is held (or f is not yet
// shared).
func (f *File) load(info fs.FileInfo) error {
	if info.Mode().Perm()&0o077 != 0 {
		f.log.Warn("token file is accessible to group or others; it should be mode 0600",
			zap.Stringer("mode", info.Mode().Perm()))
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return fmt.Errorf("token: read token file: %w", err)
	}
	tokens := parse(data, f.log)
	f.tokens.Store(&tokens)
	f.seen = info
	f.log.Info("token file loaded", zap.Int("tokens", len(tokens)))
	return nil
}

package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Prefix starts every token, so that a leaked one is easy to recognise.
const Prefix = "pl_"

// Create makes a new token for the account clientID, appends its hash to the
// token file at path and returns the token. The file is created with mode
// 0600 and its directory with 0700 if they are missing; an existing file
// keeps its mode. The line is written with one append and synced before the
// token is returned, so a token that was returned is never lost.
func Create(path string, clientID int64) (string, error) {
	if clientID <= 0 {
		return "", fmt.Errorf("token: client id must be positive, got %d", clientID)
	}
	if path == "" {
		return "", errors.New("token: the token file path is empty")
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("token: random bytes: %w", err)
	}
	tok := Prefix + base64.RawURLEncoding.EncodeToString(raw[:])

	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("token: create directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return "", fmt.Errorf("token: open token file: %w", err)
	}
	line := hashHex(tok) + " " + strconv.FormatInt(clientID, 10) + "\n"
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return "", fmt.Errorf("token: append to token file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("token: sync token file: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("token: close token file: %w", err)
	}
	return tok, nil
}

// hashHex is the form in which a token is stored.
func hashHex(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

package hook

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// SecretPrefix starts every signing secret (Standard Webhooks).
const SecretPrefix = "whsec_"

// newSecret makes a hook's signing secret: "whsec_" + base64 of 24 random
// bytes.
func newSecret() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("hook: random bytes for a secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:]), nil
}

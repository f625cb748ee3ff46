package dispatcher

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

const secretPrefix = "whsec_"

// ErrBadSecret is returned for a signing secret that is not "whsec_" +
// base64.
var ErrBadSecret = errors.New(`signing secret must be "whsec_" followed by base64`)

// Signer signs webhook requests with one hook secret (Standard Webhooks v1:
// HMAC-SHA256 over "<id>.<timestamp>.<body>", base64).
type Signer struct {
	key []byte
}

// NewSigner decodes a "whsec_..." secret.
func NewSigner(secret string) (Signer, error) {
	b64, ok := strings.CutPrefix(secret, secretPrefix)
	if !ok {
		return Signer{}, ErrBadSecret
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) == 0 {
		return Signer{}, ErrBadSecret
	}
	return Signer{key: key}, nil
}

// Sign returns the webhook-signature value "v1,<base64 HMAC>".
func (s Signer) Sign(id string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write(strconv.AppendInt(nil, timestamp, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

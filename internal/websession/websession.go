// Package websession is what the console and the operator's view share as
// web pages behind a sign-in: the sessions a cookie names (random ids,
// bounded in number and age, kept on a compacted Kafka topic that every
// instance follows, so that any instance behind a load balancer knows
// every session and a restart keeps them), constant-time comparison of
// secrets, and the security headers of every answer.
package websession

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
)

// Equal reports whether got is the secret want, in constant time whatever
// their lengths; an empty got is never equal.
func Equal(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return got != "" && subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// RandomID is 32 random bytes in base64url.
func RandomID() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Secure sets the security headers of every answer of h: the page's
// Content-Security-Policy csp, no framing, no sniffing, no referrer, its
// own browsing context group.
func Secure(h http.Handler, csp string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

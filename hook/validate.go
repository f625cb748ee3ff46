package hook

import "net/mail"

// maxEmailLen is the longest accepted email address.
const maxEmailLen = 254

// validEmail reports whether a is a bare email address ("ops@example.com",
// not "Ops <ops@example.com>").
func validEmail(a string) bool {
	if len(a) > maxEmailLen {
		return false
	}
	p, err := mail.ParseAddress(a)
	return err == nil && p.Name == "" && p.Address == a
}

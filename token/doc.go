// Package token owns the API bearer tokens: it makes them and answers which
// account a token belongs to.
//
// A token is "pl_" followed by 32 random bytes in unpadded base64url. It is
// shown once, by Create, and never stored in clear: the token file holds one
// line per token, "<sha256 hex of the token> <client id>", and is created
// with mode 0600 (its directory with 0700).
//
// A File answers lookups from that file. It picks up tokens added while the
// server runs, without a restart: on a lookup it checks the file at most once
// per second and reloads it when its identity, size or modification time
// changed. A missing file means no tokens. A malformed line is skipped with a
// warning that names its line number, never its content; a token, its hash
// and the file's lines are never logged.
package token

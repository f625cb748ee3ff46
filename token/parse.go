package token

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"go.uber.org/zap"
)

// parse reads the lines "<sha256 hex> <client id>" of a token file. Blank
// lines and lines starting with '#' are ignored; a malformed line is skipped
// with a warning naming its line number (never its content). When a hash
// appears twice the later line wins.
func parse(data []byte, log *zap.Logger) map[[sha256.Size]byte]int64 {
	tokens := make(map[[sha256.Size]byte]int64)
	for n, line := range bytes.Split(data, []byte("\n")) {
		lineNo := n + 1
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		hash, id, ok := parseLine(line)
		if !ok {
			log.Warn("skipping malformed token file line: want \"<sha256 hex> <client id>\"", zap.Int("line", lineNo))
			continue
		}
		if prev, dup := tokens[hash]; dup && prev != id {
			log.Warn("token hash appears again with another client id; the later line wins", zap.Int("line", lineNo))
		}
		tokens[hash] = id
	}
	return tokens
}

func parseLine(line []byte) (hash [sha256.Size]byte, id int64, ok bool) {
	fields := bytes.Fields(line)
	if len(fields) != 2 || len(fields[0]) != hex.EncodedLen(sha256.Size) {
		return hash, 0, false
	}
	if _, err := hex.Decode(hash[:], fields[0]); err != nil {
		return hash, 0, false
	}
	id, err := strconv.ParseInt(string(fields[1]), 10, 64)
	if err != nil || id <= 0 {
		return hash, 0, false
	}
	return hash, id, true
}

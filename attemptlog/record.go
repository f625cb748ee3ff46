package attemptlog

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/postload/postload/schema"
)

// DefaultTopic is the delivery log's topic (before --topic-prefix).
const DefaultTopic = "postload.attempts"

// key is the record key of a's hook: its decimal id.
func key(hookID int64) []byte { return strconv.AppendInt(nil, hookID, 10) }

// partitionOf is the partition of hookID's records among n: the hook id
// modulo n, so one hook's attempts are in one partition, in the order
// they were written, whichever process wrote them.
func partitionOf(hookID int64, n int) int {
	if hookID < 0 {
		hookID = -hookID
	}
	return int(hookID % int64(n))
}

// encode is a's record value.
func encode(a schema.LoggedAttempt) ([]byte, error) { return json.Marshal(a) }

var errNoHook = errors.New("no hook_id")

// decode reads a record value; a record without a hook id is refused.
func decode(b []byte) (schema.LoggedAttempt, error) {
	var a schema.LoggedAttempt
	if err := json.Unmarshal(b, &a); err != nil {
		return a, err
	}
	if a.HookID <= 0 {
		return a, errNoHook
	}
	return a, nil
}

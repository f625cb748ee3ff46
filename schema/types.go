package schema

import (
	"encoding/json"
	"strings"
	"time"
)

// LoadEvent is the value of a load-completed or load-rejected message.
type LoadEvent struct {
	EventID       string    `json:"event_id"`
	ClientID      int64     `json:"client_id"`
	DestinationID int64     `json:"destination_id"`
	EmittedAt     time.Time `json:"emitted_at"`
	// Payload is the webhook body, byte for byte as it arrived.
	Payload json.RawMessage `json:"payload"`
}

// LoadFailure is the value of a load-failed message.
type LoadFailure struct {
	EventID             string    `json:"event_id"`
	ClientID            int64     `json:"client_id"`
	DestinationID       int64     `json:"destination_id"`
	EmittedAt           time.Time `json:"emitted_at"`
	IntegrationName     string    `json:"integration_name"`
	SourceRootTableName string    `json:"source_root_table_name"`
	Error               string    `json:"error"`
}

// Attempt is one try at delivering an event to a hook.
type Attempt struct {
	Number     int       `json:"number"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
	// Status is the HTTP status of the response; 0 when none came.
	Status int `json:"status,omitempty"`
	// Error says why the attempt failed; empty on success.
	Error string `json:"error,omitempty"`
	// Skipped is true when no request was sent because the hook's circuit
	// breaker was open: the attempt took its place in the retry schedule
	// without reaching the receiver.
	Skipped bool `json:"skipped,omitempty"`
}

// skippedError starts the error of a skipped attempt written before
// Attempt.Skipped existed (the dispatcher's ErrBreakerOpen text).
const skippedError = "circuit breaker open"

// RequestSent reports whether the attempt sent a request to the receiver.
// Attempts recorded before Skipped existed are judged by their error text.
func (a Attempt) RequestSent() bool {
	return !a.Skipped && !strings.HasPrefix(a.Error, skippedError)
}

// CountAttempts returns how many of attempts sent a request and how many
// were skipped because the breaker was open.
func CountAttempts(attempts []Attempt) (sent, skipped int) {
	for _, a := range attempts {
		if a.RequestSent() {
			sent++
		} else {
			skipped++
		}
	}
	return sent, skipped
}

// HookRef names the hook a dead letter was for, as it was then.
type HookRef struct {
	ID            int64  `json:"id"`
	ClientID      int64  `json:"client_id"`
	DestinationID int64  `json:"destination_id"`
	URL           string `json:"url"`
}

// Reasons a delivery became a dead letter.
const (
	ReasonRetriesExhausted = "retries_exhausted"
	ReasonHookGone         = "hook_gone"     // the receiver answered 410 Gone
	ReasonHookDisabled     = "hook_disabled" // the hook was disabled while the delivery waited
)

// DeadLetter is the value of postload.dlq: a delivery that will not be
// attempted again. Key = client id.
type DeadLetter struct {
	// Event is the load event's message value, byte for byte as it arrived.
	Event          string    `json:"event"`
	EventID        string    `json:"event_id"`
	Hook           HookRef   `json:"hook"`
	Attempts       []Attempt `json:"attempts"`
	FirstAttemptAt time.Time `json:"first_attempt_at"`
	LastAttemptAt  time.Time `json:"last_attempt_at"`
	Reason         string    `json:"reason"`
	DeadAt         time.Time `json:"dead_at"`
}

// Invalid is the value of postload.invalid: a message that could not be
// parsed or validated, with where it came from and why.
type Invalid struct {
	Reason    string `json:"reason"`
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
	Key       []byte `json:"key"` // base64, as JSON encodes bytes
	// Value is the original bytes (base64 in JSON), or the first of them
	// when the whole would not fit a Kafka record; Reason then says so.
	Value []byte `json:"value"`
	// ValueBytes is the size of the original value: Value is all of it
	// when len(Value) == ValueBytes. 0 in records written before it.
	ValueBytes int       `json:"value_bytes"`
	SeenAt     time.Time `json:"seen_at"`
}

// Hook types and versions; post_load/1 is the only kind.
const (
	HookTypePostLoad = "post_load"
	HookVersion      = 1
)

// Hook is a post-load hook as the API shows it, and the value of
// postload.hooks (key = the decimal hook id). Times are UTC, whole seconds.
type Hook struct {
	ID            int64      `json:"id"`
	ClientID      int64      `json:"client_id"`
	Type          string     `json:"type"`
	Version       int        `json:"version"`
	DestinationID int64      `json:"destination_id"`
	Config        HookConfig `json:"config"`
	CreatedAt     time.Time  `json:"created_at"`
	ModifiedAt    time.Time  `json:"modified_at"`
	DisabledAt    *time.Time `json:"disabled_at"`
	// DeletedAt is set on the record that deletes the hook; the record is kept
	// (not a tombstone) so that ids are never reused. Never shown by the API.
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
	// AutoDisabled is set while the hook is disabled because every attempt
	// failed for the auto-disable period (an addition to the Connect API's
	// hook object, shown only then); enabling the hook clears it.
	AutoDisabled *AutoDisabled `json:"auto_disabled,omitempty"`
}

// AutoDisabled says why postload disabled a hook by itself.
type AutoDisabled struct {
	// At is when it was disabled: the hook's disabled_at.
	At time.Time `json:"at"`
	// FailingSince is the (whole second of the) first failed attempt of
	// the failing streak: every attempt since has failed. Replaying the
	// dead letters since then brings back what was lost.
	FailingSince time.Time `json:"failing_since"`
	// FailedAttempts is how many attempts failed since then (requests
	// sent; attempts the open breaker skipped are not counted).
	FailedAttempts int `json:"failed_attempts"`
	// LastError is the last failed attempt's error.
	LastError string `json:"last_error,omitempty"`
}

// AutoDisableNotice tells the email role that a hook was auto-disabled,
// so that the account's recipients are told once.
type AutoDisableNotice struct {
	Hook         HookRef      `json:"hook"`
	AutoDisabled AutoDisabled `json:"auto_disabled"`
}

// HookConfig is a hook's endpoint and signing secret.
type HookConfig struct {
	URL string `json:"url"`
	// Secret is the Standard Webhooks signing secret: "whsec_" + base64.
	Secret string `json:"secret,omitempty"`
	// PreviousSecret is the secret before the last rotation; requests are
	// signed with it too until PreviousSecretExpiresAt.
	PreviousSecret          string     `json:"previous_secret,omitempty"`
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at,omitempty"`
}

// Secrets returns the secrets requests are signed with at now: the current
// one, and the previous one during the overlap after a rotation.
func (c HookConfig) Secrets(now time.Time) []string {
	var out []string
	if c.Secret != "" {
		out = append(out, c.Secret)
	}
	if c.PreviousSecret != "" && c.PreviousSecretExpiresAt != nil && now.Before(*c.PreviousSecretExpiresAt) {
		out = append(out, c.PreviousSecret)
	}
	return out
}

// Enabled reports whether deliveries go to the hook.
func (h Hook) Enabled() bool { return h.DisabledAt == nil && h.DeletedAt == nil }

// Recipient is a notification email recipient as the API shows it, and the
// value of postload.recipients (key = the decimal recipient id).
type Recipient struct {
	ID           int64      `json:"id"`
	ClientID     int64      `json:"client_id"`
	EmailAddress string     `json:"email_address"`
	CreatedAt    time.Time  `json:"created_at"`
	DisabledAt   *time.Time `json:"disabled_at"`
	DeletedAt    *time.Time `json:"deleted_at,omitempty"`
}

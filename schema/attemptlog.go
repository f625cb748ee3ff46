package schema

import "time"

// LoggedAttempt is one record of the delivery log (the postload.attempts
// topic, in its hook's partition): one attempt of one delivery, or one test send,
// as the API's attempts log and the console show it.
type LoggedAttempt struct {
	EventID  string `json:"event_id"`
	HookID   int64  `json:"hook_id"`
	ClientID int64  `json:"client_id"`
	// Attempt is the attempt's number, 1 for the first; 1 for a test.
	Attempt int `json:"attempt"`
	// At is when the attempt started.
	At         time.Time `json:"at"`
	DurationMS int64     `json:"duration_ms"`
	// Outcome is one of the Outcome… values below.
	Outcome string `json:"outcome"`
	// Status is the HTTP status of the response; 0 when none came.
	Status int `json:"status,omitempty"`
	// Response is the start of the response body (at most
	// MaxLoggedResponse bytes of valid UTF-8).
	Response string `json:"response,omitempty"`
	// Error says why the attempt failed; empty when delivered.
	Error string `json:"error,omitempty"`
	// Endpoint is the hook URL's scheme://host[:port] (never its path or
	// query, which may carry the receiver's tokens).
	Endpoint string `json:"endpoint"`
	// Test marks a send-test attempt: no retry follows it.
	Test bool `json:"test,omitempty"`
	// Deliveries is how many deliveries the record stands for, when more
	// than one: a group of deliveries the breaker refused, which a tier
	// whose breaker still refuses hands on whole, is recorded once, under
	// its first delivery's event id (a dead endpoint's deliveries pass
	// every tier; one record each made the log cost as much as they did).
	Deliveries int `json:"deliveries,omitempty"`
}

// MaxLoggedResponse bounds LoggedAttempt.Response.
const MaxLoggedResponse = 1 << 10

// Outcomes of a LoggedAttempt.
const (
	LoggedDelivered = "delivered" // a 2xx came back
	LoggedFailed    = "failed"    // a request was made and got no 2xx, or none came
	LoggedSkipped   = "skipped"   // the breaker refused: no request
)

package console

import "net/http"

// The messages the console shows. The hook and recipient ones are the
// API's (httpapi/errors.go), word for word.
const (
	msgInvalidURI       = "Invalid URI"
	msgHookLimit        = "You have exceeded the limit of 10 hooks."
	msgInvalidPost      = "Invalid POST body"
	msgInvalidEmail     = "Required. Must be valid email address format."
	msgRecipientLimit   = "Account not authorized to create additional custom notification email addresses."
	msgBadToken         = "Unknown token: give an API token made by `postload token create --client N`."
	msgSignedOut        = "Sign in with an API token."
	msgSessionsDown     = "Signing in is not possible right now (the sessions' store is unreachable): try again in a moment."
	msgNotFound         = "Not found."
	msgCSRF             = "This form has expired or did not come from this console: reload the page and try again."
	msgCrossOrigin      = "Cross-origin request refused."
	msgBadForm          = "The form could not be read."
	msgUnavailable      = "The registry is catching up or Kafka cannot be reached: try again in a moment."
	msgDestinationID    = msgInvalidPost + ": the destination id must be a positive integer."
	msgReplayInProgress = "Another replay is running: try again in a moment."
	msgLogNotReady      = "The delivery log is still being read (the service has just started): reload in a moment."
	msgBadCursor        = "This page of the delivery log is not one the console gave: start again from the newest attempts."
	msgLogUnavailable   = "The delivery log could not be read: try again in a moment."
)

// errorView is the error page's content.
type errorView struct{ Message string }

// signInView is the sign-in page's content.
type signInView struct{ Message string }

func notFound() result {
	return result{status: http.StatusNotFound, page: "error", data: errorView{Message: msgNotFound}}
}

// unavailable answers a failure of the registry or of Kafka.
func unavailable() result {
	return result{status: http.StatusServiceUnavailable, page: "error", data: errorView{Message: msgUnavailable}}
}

package hook

import "encoding/json"

// The API's error bodies, byte for byte as the Connect API documents them.
var (
	bodyUnauthorized     = json.RawMessage(`{"error":"Unauthorized"}`)
	bodyNotFound         = json.RawMessage(`{"error":"NotFound"}`)
	bodyMethodNotAllowed = json.RawMessage(`{"error":"MethodNotAllowed"}`)
	bodyUnavailable      = json.RawMessage(`{"error":"ServiceUnavailable"}`)
	bodyTooLarge         = json.RawMessage(`{"error":"RequestEntityTooLarge"}`)

	bodyInvalidPost   = json.RawMessage(`{"data":{"message":"Invalid POST body"},"error":"InvalidBody"}`)
	bodyInvalidURI    = json.RawMessage(`{"error":{"message":"Invalid URI"}}`)
	bodyHookLimit     = json.RawMessage(`{"error":{"message":"You have exceeded the limit of 10 hooks."}}`)
	bodyInvalidEnable = json.RawMessage(`{"data":{"message":"PUT body must only contain boolean 'enable' key"},"error":"InvalidBody"}`)

	bodyInvalidEmail   = json.RawMessage(`{"error":{"message":{"email_address":"Required. Must be valid email address format."}}}`)
	bodyRecipientLimit = json.RawMessage(`{"error":{"message":"Account not authorized to create additional custom notification email addresses."}}`)
	// A bad PUT /custom-emails/{id} body answers {"disabled_at": <the
	// invalid value>}, made from the request (echoDisabledAt, invalidPut).
)

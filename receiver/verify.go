package receiver

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// verifier checks Standard Webhooks signatures with one secret.
type verifier struct {
	wh *standardwebhooks.Webhook
}

func newVerifier(secret string) (*verifier, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return nil, err
	}
	wh, err := standardwebhooks.NewWebhookRaw(key)
	if err != nil {
		return nil, fmt.Errorf("receiver: %w", err)
	}
	return &verifier{wh: wh}, nil
}

// verdict is the printed signature line: "valid" or "INVALID (<reason>)".
// The library accepts a webhook-signature holding several space-separated
// signatures (as postload sends while a secret is rotated) when any v1
// one matches, and rejects a timestamp more than 5 minutes off.
func (v *verifier) verdict(body []byte, h http.Header) string {
	err := v.wh.Verify(body, h)
	if err == nil {
		return "valid"
	}
	return "INVALID (" + reason(err, h) + ")"
}

// reason says in the receiver's words why Verify failed.
func reason(err error, h http.Header) string {
	switch {
	case errors.Is(err, standardwebhooks.ErrRequiredHeaders):
		var missing []string
		for _, name := range []string{
			standardwebhooks.HeaderWebhookID,
			standardwebhooks.HeaderWebhookTimestamp,
			standardwebhooks.HeaderWebhookSignature,
		} {
			if h.Get(name) == "" {
				missing = append(missing, name)
			}
		}
		return "missing header " + strings.Join(missing, ", ")
	case errors.Is(err, standardwebhooks.ErrInvalidHeaders):
		return fmt.Sprintf("webhook-timestamp %q is not unix seconds", h.Get(standardwebhooks.HeaderWebhookTimestamp))
	case errors.Is(err, standardwebhooks.ErrMessageTooOld):
		return "webhook-timestamp is more than 5 minutes in the past"
	case errors.Is(err, standardwebhooks.ErrMessageTooNew):
		return "webhook-timestamp is more than 5 minutes in the future"
	case errors.Is(err, standardwebhooks.ErrNoMatchingSignature):
		n := len(strings.Fields(h.Get(standardwebhooks.HeaderWebhookSignature)))
		return fmt.Sprintf("none of the %d signature(s) matches: wrong secret, or the body, webhook-id or webhook-timestamp changed", n)
	default:
		return err.Error()
	}
}

package receiver

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// Defaults applied to the zero fields of a Config.
const (
	DefaultListen   = "127.0.0.1:8443"
	DefaultCertFile = "postload-receiver.pem"
	DefaultStatus   = http.StatusOK
)

// secretPrefix starts a Standard Webhooks signing secret.
const secretPrefix = "whsec_"

// Config configures Run. The zero value is valid.
type Config struct {
	// Listen is the TCP address to serve HTTPS on, host:port. A port of 0
	// picks a free one (see Ready). Default "127.0.0.1:8443".
	Listen string

	// CertFile is where the self-signed certificate is written as PEM, mode
	// 0644, replacing any file there; give it to `postload serve --ca-file`.
	// The private key is never written. Default "postload-receiver.pem" in
	// the working directory.
	CertFile string

	// Secret is the hook's Standard Webhooks signing secret, "whsec_"
	// followed by the base64 key. When set, every request's
	// webhook-signature is verified against it and the verdict printed.
	// Default "": signatures are not checked.
	Secret string

	// Status is the HTTP status answered to every request, 200 to 599, so
	// that failures (500, 410, ...) can be tried. Default 200.
	Status int

	// Out receives the startup lines and one block per request. Writes to
	// it are serialized. Default os.Stdout.
	Out io.Writer

	// Ready, if set, is called once with the bound address (host:port)
	// when the server is listening, before any request is served; with
	// Listen "127.0.0.1:0" it tells tests which port was picked. It must
	// not block. Default nil.
	Ready func(addr string)
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.CertFile == "" {
		c.CertFile = DefaultCertFile
	}
	if c.Status == 0 {
		c.Status = DefaultStatus
	}
	if c.Out == nil {
		c.Out = os.Stdout
	}
	return c
}

// Validate reports, for each field that is wrong once defaults are
// applied, what to fix.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if err := validateListen(c.Listen); err != nil {
		errs = append(errs, err)
	}
	if c.Secret != "" {
		if _, err := decodeSecret(c.Secret); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Status < 200 || c.Status > 599 {
		errs = append(errs, fmt.Errorf("receiver: Status %d: want an HTTP status from 200 to 599, e.g. 200, 500 or 410", c.Status))
	}
	return errors.Join(errs...)
}

func validateListen(listen string) error {
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("receiver: Listen %q: want host:port, e.g. 127.0.0.1:8443 or [::1]:8443: %w", listen, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("receiver: Listen %q: want a port number from 0 to 65535 after the colon", listen)
	}
	return nil
}

// decodeSecret returns the HMAC key of a "whsec_<base64>" secret. The
// prefix is optional, as in the Standard Webhooks libraries.
func decodeSecret(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil {
		return nil, fmt.Errorf("receiver: Secret: want %q followed by the base64 key shown for the hook: %w", secretPrefix, err)
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("receiver: Secret: the key after %q is empty; copy the whole secret of the hook", secretPrefix)
	}
	return key, nil
}

package smtptest

import (
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/postload/postload/receiver"
)

// MustTLS returns a server TLS config with a fresh self-signed certificate
// for 127.0.0.1 (the one `postload receive` makes), and the pool that trusts
// it.
func MustTLS(tb testing.TB) (*tls.Config, *x509.CertPool) {
	tb.Helper()
	cert, pemBytes, err := receiver.Certificate([]string{"127.0.0.1"})
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		tb.Fatal("smtptest: no certificate in the generated PEM")
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, pool
}

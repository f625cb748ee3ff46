package receiver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"testing"
	"time"
)

func TestCertificate(t *testing.T) {
	cert, certPEM, err := Certificate([]string{"localhost", "127.0.0.1", "::1", "receiver.test", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 {
		t.Fatalf("PEM is not one certificate:\n%s", certPEM)
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !leaf.Equal(cert.Leaf) || len(cert.Certificate) != 1 {
		t.Error("tls.Certificate and PEM differ")
	}
	key, ok := cert.PrivateKey.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		t.Errorf("key %T, want ECDSA P-256", cert.PrivateKey)
	}
	if len(leaf.IPAddresses) != 2 || !slices.Equal(leaf.DNSNames, []string{"localhost", "receiver.test"}) {
		t.Errorf("SANs: DNS %v, IP %v", leaf.DNSNames, leaf.IPAddresses)
	}
	if !leaf.NotBefore.Before(time.Now()) || !leaf.NotAfter.After(time.Now().Add(24*time.Hour)) {
		t.Errorf("validity %v to %v", leaf.NotBefore, leaf.NotAfter)
	}

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	for _, host := range []string{"localhost", "127.0.0.1", "::1", "receiver.test"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: roots}); err != nil {
			t.Errorf("verify for %s against itself as root: %v", host, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: roots}); err == nil {
		t.Error("valid for a host not asked for")
	}
}

func TestCertificateRejectsNoHost(t *testing.T) {
	for _, hosts := range [][]string{nil, {""}} {
		if _, _, err := Certificate(hosts); err == nil {
			t.Errorf("Certificate(%q): nil error", hosts)
		}
	}
}

func TestCertHosts(t *testing.T) {
	loop := []string{"localhost", "127.0.0.1", "::1"}
	tests := []struct {
		listen string
		want   []string
	}{
		{"127.0.0.1:8443", loop},
		{"localhost:8443", loop},
		{"[::1]:8443", loop},
		{"[0:0:0:0:0:0:0:1]:8443", loop},
		{"0.0.0.0:8443", loop},
		{"[::]:8443", loop},
		{":8443", loop},
		{"192.0.2.7:8443", append(slices.Clone(loop), "192.0.2.7")},
		{"receiver.test:8443", append(slices.Clone(loop), "receiver.test")},
	}
	for _, tt := range tests {
		if got := certHosts(tt.listen); !slices.Equal(got, tt.want) {
			t.Errorf("certHosts(%q) = %v, want %v", tt.listen, got, tt.want)
		}
	}
}

package receiver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// certValidity is how long a generated certificate is valid. The key dies
// with the process, so the length carries no risk; it only has to outlast
// a long-running receiver.
const certValidity = 365 * 24 * time.Hour

// Certificate generates a self-signed ECDSA P-256 certificate and its key,
// valid for serving TLS (TLS 1.2+) under each of hosts: IP addresses become
// IP SANs, anything else DNS SANs. The certificate is also a CA so that a
// client can put it in its root pool (Go, OpenSSL and curl all accept it
// there). It returns the certificate with its key, ready for
// tls.Config.Certificates, and the certificate alone as PEM.
func Certificate(hosts []string) (tls.Certificate, []byte, error) {
	tmpl, err := certTemplate(hosts)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("receiver: generate key: %w", err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("receiver: create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("receiver: parse certificate: %w", err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

func certTemplate(hosts []string) (*x509.Certificate, error) {
	if len(hosts) == 0 {
		return nil, errors.New("receiver: certificate: no host given")
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("receiver: certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"postload"}, CommonName: "postload receiver"},
		NotBefore:             now.Add(-time.Hour), // tolerate clock skew
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	for _, h := range hosts {
		if h == "" {
			return nil, errors.New("receiver: certificate: empty host name")
		}
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(tmpl.IPAddresses, ip.Equal) {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else if !slices.Contains(tmpl.DNSNames, h) {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return tmpl, nil
}

// certHosts is what Run's certificate is valid for: the loopback names
// and the host of listen when it names one (not 0.0.0.0, :: or empty).
func certHosts(listen string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return hosts
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsUnspecified() || slices.ContainsFunc(hosts, func(h string) bool { return ip.Equal(net.ParseIP(h)) }) {
			return hosts
		}
	} else if slices.Contains(hosts, host) {
		return hosts
	}
	return append(hosts, host)
}

// writeCertFile replaces path with certPEM, mode 0644, through a rename so
// that a reader never sees half a file.
func writeCertFile(path string, certPEM []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("receiver: write certificate: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("receiver: write certificate %s: %w", path, err)
		}
	}()
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if _, err := f.Write(certPEM); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

package main

import (
	"context"
	"io"

	"github.com/postload/postload/receiver"
)

func runReceive(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("receive", getenv, stderr)
	cfg := receiver.Config{Out: stdout}
	f.StringVar(&cfg.Listen, "listen", receiver.DefaultListen, "address to serve HTTPS on")
	f.StringVar(&cfg.CertFile, "cert-file", receiver.DefaultCertFile, "where to write the self-signed certificate (give it to serve --ca-file)")
	f.StringVar(&cfg.Secret, "secret", "", "the hook's signing secret (whsec_...): verify each request's signature")
	f.IntVar(&cfg.Status, "status", receiver.DefaultStatus, "HTTP status to answer (try 500 or 410)")
	if err := f.parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return receiver.Run(ctx, cfg)
}

package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ceiling has a plain Go HTTPS client post total requests of the same
// bodies to the receivers, round robin, conc at once, and returns the
// receivers' deliveries per second from first to last receipt. The client
// runs as a process of its own (`postload bench client`), as postload does:
// the ceiling is what a sender that is not the receivers' process can reach
// on this machine. (In the receivers' own process it would be faster, as no
// request would cross between processes; see inProcess.)
func (e *env) ceiling(ctx context.Context, rcs []*receiver, total, conc int, inProcess bool) (float64, error) {
	var urls []string
	for _, rc := range rcs {
		rc.reset()
		urls = append(urls, rc.srv.URL+"/hook")
	}
	if inProcess {
		pool := x509.NewCertPool()
		for _, rc := range rcs {
			pool.AddCert(rc.srv.Certificate())
		}
		if err := postAll(ctx, urls, pool, total, conc); err != nil {
			return 0, err
		}
		return rate(rcs), nil
	}
	ca, err := e.caFile()
	if err != nil {
		return 0, err
	}
	cmd := exec.CommandContext(ctx, e.cfg.Harness, "bench", "client", "--ca-file", ca, "--urls", strings.Join(urls, ","),
		"--total", strconv.Itoa(total), "--concurrency", strconv.Itoa(conc))
	dieWithParent(cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("bench client: %w: %s", err, strings.TrimSpace(out.String()))
	}
	return rate(rcs), nil
}

// ClientConfig is what `postload bench client` posts.
type ClientConfig struct {
	CAFile      string   // PEM file of the receivers' certificates
	URLs        []string // receiver URLs, posted to round robin
	Total       int      // requests to make
	Concurrency int      // requests at once
}

// RunClient is `postload bench client`: the ceiling's plain HTTPS client.
func RunClient(ctx context.Context, cfg ClientConfig) error {
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return fmt.Errorf("bench client: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("bench client: no certificate in %s", cfg.CAFile)
	}
	if len(cfg.URLs) == 0 || cfg.Total < 0 || cfg.Concurrency < 1 {
		return errors.New("bench client: want receiver URLs, a number of requests and a concurrency of at least 1")
	}
	return postAll(ctx, cfg.URLs, pool, cfg.Total, cfg.Concurrency)
}

// postAll posts total requests to urls, round robin, conc at once, with
// the headers of a webhook request.
func postAll(ctx context.Context, urls []string, pool *x509.CertPool, total, conc int) error {
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool},
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        4096,
		MaxIdleConnsPerHost: 64,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	bodies := make([][]byte, 64)
	for i := range bodies {
		bodies[i] = sampleEvent(time.Now(), i) // the envelope is a little larger than a payload
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for w := 0; w < conc; w++ {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= total || ctx.Err() != nil {
					return
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, urls[i%len(urls)], bytes.NewReader(bodies[i%len(bodies)]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Webhook-Id", eventID(time.Now(), i)+".1")
				resp, err := client.Do(req)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return err
	}
	return ctx.Err()
}

// rate is the receivers' deliveries per second from first to last receipt.
func rate(rcs []*receiver) float64 {
	var n, first, last int64
	for _, rc := range rcs {
		n += rc.count.Load()
		if f := rc.first.Load(); f != 0 && (first == 0 || f < first) {
			first = f
		}
		last = max(last, rc.last.Load())
	}
	if last <= first {
		return 0
	}
	return float64(n) / (float64(last-first) / 1e9)
}

func totalCount(rcs []*receiver) int64 {
	var n int64
	for _, rc := range rcs {
		n += rc.count.Load()
	}
	return n
}

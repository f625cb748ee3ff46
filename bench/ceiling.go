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
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/postload/postload/dispatcher"
)

// ClientConfig is what `postload bench client` posts.
type ClientConfig struct {
	CAFile      string   // PEM file of the receivers' certificates
	URLs        []string // receiver URLs, posted to round robin
	Total       int      // requests to make
	Concurrency int      // requests at once
	HTTP2       bool     // HTTP/2 with receivers that offer it; else HTTP/1.1
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
	return postAll(ctx, cfg.URLs, pool, cfg.Total, cfg.Concurrency, cfg.HTTP2)
}

// postAll posts total requests to urls, round robin, conc at once, each
// signed as postload signs a webhook (Standard Webhooks, HMAC-SHA256), over
// HTTP/2 when http2 and the receiver offers it, else over HTTP/1.1 with a
// connection per request in flight.
func postAll(ctx context.Context, urls []string, pool *x509.CertPool, total, conc int, http2 bool) error {
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool},
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: conc,
		Protocols:           new(http.Protocols),
	}
	tr.Protocols.SetHTTP1(true)
	tr.Protocols.SetHTTP2(http2)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	signer, err := dispatcher.NewSigner(benchSecret)
	if err != nil {
		return err
	}
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
				body := bodies[i%len(bodies)]
				id := eventID(time.Now(), i) + ".1"
				ts := time.Now().Unix()
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, urls[i%len(urls)], bytes.NewReader(body))
				req.Header = http.Header{
					"Content-Type":      {"application/json"},
					"User-Agent":        {dispatcher.UserAgent},
					"Webhook-Id":        {id},
					"Webhook-Timestamp": {strconv.FormatInt(ts, 10)},
					"Webhook-Signature": {signer.Sign(id, ts, body)},
				}
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

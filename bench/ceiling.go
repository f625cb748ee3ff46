package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ceiling posts total requests of the same bodies to the receivers, round
// robin, with conc requests at once: a plain Go HTTPS client, no Kafka. It
// returns deliveries per second from first to last receipt.
func ceiling(ctx context.Context, rcs []*receiver, total, conc int) (float64, error) {
	pool := x509.NewCertPool()
	for _, rc := range rcs {
		pool.AddCert(rc.srv.Certificate())
		rc.reset()
	}
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
				rc := rcs[i%len(rcs)]
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, rc.srv.URL+"/hook", bytes.NewReader(bodies[i%len(bodies)]))
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
		return 0, err
	}
	return rate(rcs), nil
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

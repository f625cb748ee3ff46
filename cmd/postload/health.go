package main

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/hook"
)

// health answers /healthz (the process is up) and /readyz (connected to
// Kafka, hook and recipient tables caught up).
type health struct {
	brokers []string
	store   *hook.Store

	mu      sync.Mutex
	checked time.Time
	kafka   error
}

// kafkaErr pings the brokers at most once a second.
func (h *health) kafkaErr(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if time.Since(h.checked) < time.Second {
		return h.kafka
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	h.kafka = consumer.Ping(ctx, h.brokers)
	h.checked = time.Now()
	return h.kafka
}

func (h *health) ready(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !h.store.Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: hook and recipient tables are still being read\n"))
		return
	}
	if err := h.kafkaErr(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: Kafka does not answer: " + err.Error() + "\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

// opsHandler serves /metrics, /healthz and /readyz on mux.
func opsHandler(mux *http.ServeMux, m *metrics, h *health) {
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", h.ready)
}

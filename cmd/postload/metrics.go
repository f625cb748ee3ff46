package main

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/email"
	"github.com/postload/postload/hook"
)

// metrics are postload's Prometheus metrics: counters the dispatcher pushes
// (it is their Observer), and figures pulled from each part at scrape time.
type metrics struct {
	reg      *prometheus.Registry
	attempts *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	dead     *prometheus.CounterVec
	invalid  *prometheus.CounterVec

	// Pulled at scrape time; nil when the role does not run here.
	groups map[string]*consumer.Group
	disp   *dispatcher.Dispatcher
	mail   *email.Sender
	store  *hook.Store
	log    deliveryLog
}

var _ dispatcher.Observer = (*metrics)(nil)

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "postload_delivery_attempts_total",
			Help: "Delivery attempts by outcome (delivered, failed, skipped: no request because the breaker was open or the endpoint stuck, interrupted) and attempt number.",
		}, []string{"outcome", "attempt"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "postload_attempt_duration_seconds",
			Help:    "Duration of attempts that made a request, by outcome.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"outcome"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "postload_dead_letters_total",
			Help: "Deliveries that became dead letters, by reason.",
		}, []string{"reason"}),
		invalid: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "postload_invalid_messages_total",
			Help: "Messages sent to the invalid topic, by source topic.",
		}, []string{"topic"}),
		groups: map[string]*consumer.Group{},
	}
	m.reg.MustRegister(m.attempts, m.latency, m.dead, m.invalid, m,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) Attempted(outcome string, attempt int, d time.Duration) {
	m.attempts.WithLabelValues(outcome, strconv.Itoa(attempt)).Inc()
	if outcome == dispatcher.OutcomeDelivered || outcome == dispatcher.OutcomeFailed {
		m.latency.WithLabelValues(outcome).Observe(d.Seconds())
	}
}

func (m *metrics) DeadLettered(reason string) { m.dead.WithLabelValues(reason).Inc() }
func (m *metrics) Invalid(topic string)       { m.invalid.WithLabelValues(topic).Inc() }

var (
	descLag      = prometheus.NewDesc("postload_consumer_lag", "Records of an owned partition not yet committed by this process.", []string{"group", "topic", "partition"}, nil)
	descInFlight = prometheus.NewDesc("postload_endpoint_in_flight", "Requests in flight per endpoint (scheme://host[:port] of the hook URLs).", []string{"endpoint"}, nil)
	descBreaker  = prometheus.NewDesc("postload_breaker_state", "Circuit breaker state per endpoint (the worst of its URLs): 0 closed, 1 half-open, 2 open.", []string{"endpoint"}, nil)
	descEmails   = prometheus.NewDesc("postload_emails_total", "Emails by result: sent (accepted by SMTP or written to the outbox), failed (attempts, each retried), rejected (given up after the server refused that message 20 times).", []string{"result"}, nil)
	descSkipped  = prometheus.NewDesc("postload_email_records_skipped_total", "Dead letters and failed loads not mailed: the account had no enabled recipient.", nil, nil)
	descFolded   = prometheus.NewDesc("postload_email_dead_letters_folded_total", "Dead letters folded into a digest email.", nil, nil)
	descPending  = prometheus.NewDesc("postload_emails_pending", "Emails owed by the email partitions this process owns, waiting to be sent.", nil, nil)
	descRefolded = prometheus.NewDesc("postload_email_records_refolded_total", "Dead letters and failed loads delivered again (after a restart, or forwarded twice) and counted once.", nil, nil)
	descOwned    = prometheus.NewDesc("postload_email_partitions", "Partitions of postload.dlq and postload.email-failed-loads this process owns (their windows and owed emails).", nil, nil)
	descHooks    = prometheus.NewDesc("postload_registry_objects", "Live hooks and recipients in the registry.", []string{"kind"}, nil)
	descReady    = prometheus.NewDesc("postload_registry_ready", "1 once the hook and recipient tables are caught up.", nil, nil)
	descProblems = prometheus.NewDesc("postload_registry_problem_records_total", "Records of the registry's topics read since start that could not be loaded as written, by problem: skipped (does not decode), url_normalized (a hook URL written before URLs were normalized, loaded normalized), url_refused (a hook whose URL is refused now: listed, its deliveries fail). postload registry check lists them.", []string{"problem"}, nil)
	descLogged   = prometheus.NewDesc("postload_delivery_log_records_total", "Records of the delivery log (postload.attempts) this process made, by result: written, dropped (the writer's queue was full, or the process was stopping: a delivery never waits for the log), failed (Kafka did not take them within the write timeout, or the flush timeout on shutdown).", []string{"result"}, nil)
	descIndex    = prometheus.NewDesc("postload_delivery_log_index_attempts", "Attempts the api role's index of the delivery log keeps in memory.", nil, nil)
	descIndexB   = prometheus.NewDesc("postload_delivery_log_index_bytes", "Bytes the api role's index of the delivery log counts against --delivery-log-index-bytes.", nil, nil)
	descLost     = prometheus.NewDesc("postload_records_lost_total", "Records a consumer group of this process never handled because the broker deleted them (retention, DeleteRecords) before it read them; each skip is also logged at error level with its offsets.", []string{"group", "topic"}, nil)
)

// Describe sends the pulled metrics' descriptions.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLag, descInFlight, descBreaker, descEmails, descSkipped, descFolded, descPending, descRefolded, descOwned, descHooks, descReady, descProblems, descLost, descLogged, descIndex, descIndexB} {
		ch <- d
	}
}

// Collect reads each part's figures.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for id, g := range m.groups {
		for tp, p := range g.Stats().Partitions() {
			gauge(descLag, float64(p.Lag()), id, tp.Topic, strconv.Itoa(tp.Partition))
		}
		for topic, n := range g.Stats().SkippedByRetention() {
			counter(descLost, n, id, topic)
		}
	}
	if m.disp != nil {
		// Labelled by scheme://host[:port] (paths and queries carry the
		// receivers' tokens); URLs of one host add up, the worst breaker wins.
		inFlight, breaker := map[string]float64{}, map[string]float64{}
		for url, n := range m.disp.InFlight() {
			inFlight[dispatcher.Redact(url)] += float64(n)
		}
		for url, st := range m.disp.BreakerStates() {
			ep := dispatcher.Redact(url)
			breaker[ep] = max(breaker[ep], map[string]float64{"closed": 0, "half-open": 1, "open": 2}[st])
		}
		for ep, n := range inFlight {
			gauge(descInFlight, n, ep)
		}
		for ep, v := range breaker {
			gauge(descBreaker, v, ep)
		}
	}
	if m.mail != nil {
		s := m.mail.Stats()
		counter(descEmails, s.Sent, "sent")
		counter(descEmails, s.SendFailures, "failed")
		counter(descEmails, s.Rejected, "rejected")
		counter(descSkipped, s.SkippedNoRecipient)
		counter(descFolded, s.Folded)
		gauge(descPending, float64(s.Pending))
		counter(descRefolded, s.Refolded)
		gauge(descOwned, float64(s.Partitions))
	}
	if w := m.log.writer; w != nil {
		s := w.Stats()
		counter(descLogged, s.Written, "written")
		counter(descLogged, s.Dropped, "dropped")
		counter(descLogged, s.Failed, "failed")
	}
	if x := m.log.index; x != nil {
		s := x.Stats()
		gauge(descIndex, float64(s.Attempts))
		gauge(descIndexB, float64(s.Bytes))
	}
	if m.store != nil {
		s := m.store.Stats()
		gauge(descHooks, float64(s.Hooks), "hooks")
		gauge(descHooks, float64(s.Recipients), "recipients")
		ready := 0.0
		if s.Ready {
			ready = 1
		}
		gauge(descReady, ready)
		for _, k := range []hook.ProblemKind{hook.ProblemSkipped, hook.ProblemURLNormalized, hook.ProblemURLRefused} {
			counter(descProblems, s.Problems[k], string(k))
		}
	}
}

package email_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/email"
	"github.com/postload/postload/internal/clock"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

// The topics of the email role in these tests.
const (
	dlqTopic    = "postload.dlq"
	failedTopic = "postload.email-failed-loads"
	stateTopic  = "postload.email-windows"
	group       = "postload.email"
	partitions  = 2
)

// fakeRecipients answers Recipients with its func.
type fakeRecipients struct {
	recipients func(clientID int64) []schema.Recipient
}

var _ email.Recipients = (*fakeRecipients)(nil)

func (f *fakeRecipients) Recipients(clientID int64) []schema.Recipient {
	return f.recipients(clientID)
}

// recipientsOf returns a fake giving each account the enabled recipients
// with the addresses listed.
func recipientsOf(byClient map[int64][]string) *fakeRecipients {
	return &fakeRecipients{recipients: func(clientID int64) []schema.Recipient {
		var out []schema.Recipient
		for i, a := range byClient[clientID] {
			out = append(out, schema.Recipient{ID: int64(i + 1), ClientID: clientID,
				EmailAddress: a, CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		}
		return out
	}}
}

// newFakeClock is a clock that moves only when told.
func newFakeClock() *clock.Fake {
	return clock.NewFake(time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC))
}

// The production Kafka client fits the interface.
var _ email.Kafka = (*consumer.Client)(nil)

// env is a Kafka cluster with the email role's topics, an SMTP server and
// a clock the test moves.
type env struct {
	cluster *kafkatest.Cluster
	srv     *smtptest.Server
	clock   *clock.Fake
	writer  *consumer.Writer
	kafka   *consumer.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{cluster: kafkatest.NewCluster(t), srv: smtptest.Start(t, smtptest.Options{}), clock: newFakeClock()}
	e.cluster.CreateTopic(t, dlqTopic, partitions, false)
	e.cluster.CreateTopic(t, failedTopic, partitions, false)
	e.cluster.CreateTopic(t, stateTopic, 1, true)
	e.writer = consumer.NewWriter([]string{e.cluster.Addr}, zaptest.NewLogger(t))
	t.Cleanup(func() { e.writer.Close() })
	var err error
	if e.kafka, err = consumer.NewClient(consumer.ClientConfig{Brokers: []string{e.cluster.Addr}, Log: zaptest.NewLogger(t)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.kafka.Close)
	return e
}

// config sends to the env's SMTP server with the env's clock: windows of a
// minute that only end when the test moves the clock.
func (e *env) config(t *testing.T) email.Config {
	return email.Config{
		From:             "postload@example.com",
		SMTPURL:          "smtp://" + e.srv.Addr(),
		DigestWindow:     time.Minute,
		FailedLoadWindow: time.Minute,
		SendTimeout:      5 * time.Second,
		RetryMin:         20 * time.Millisecond,
		RetryMax:         100 * time.Millisecond,
		Kafka:            e.kafka,
		GroupID:          group,
		DeadLetterTopic:  dlqTopic,
		FailedLoadsTopic: failedTopic,
		StateTopic:       stateTopic,
		SessionTimeout:   6 * time.Second,
		KafkaTimeout:     5 * time.Second,
		Clock:            e.clock,
		Log:              zaptest.NewLogger(t),
	}
}

// running is a Sender whose Run runs until stop (or the test's end).
type running struct {
	*email.Sender
	stop func() // cancels Run and waits for it; fails the test if it takes over 20s
}

// start runs a Sender with cfg and waits until it owns partitions.
func start(t *testing.T, cfg email.Config, r email.Recipients) *running {
	t.Helper()
	s, err := email.New(cfg, r)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not return within 20s of its context ending")
		}
	}
	t.Cleanup(stop)
	return &running{Sender: s, stop: stop}
}

// startOwning is start, then waiting until the Sender owns every input
// partition (it is alone in its group).
func startOwning(t *testing.T, cfg email.Config, r email.Recipients) *running {
	t.Helper()
	s := start(t, cfg, r)
	waitStats(t, s.Sender, func(st email.Stats) bool { return st.Partitions == 2*partitions })
	return s
}

// waitStats waits until cond holds for s's stats.
func waitStats(t *testing.T, s *email.Sender, cond func(email.Stats) bool) {
	t.Helper()
	wait.For(t, 30*time.Second, func() (bool, string) {
		st := s.Stats()
		return cond(st), fmt.Sprintf("stats %+v", st)
	})
}

// produceDeadLetter puts a dead letter of eventID at hook on the DLQ, keyed
// by client id as the dispatcher does.
func (e *env) produceDeadLetter(t *testing.T, eventID string, hook schema.HookRef, reason string) {
	t.Helper()
	e.produce(t, dlqTopic, strconv.FormatInt(hook.ClientID, 10), deadLetter(t, eventID, hook, reason))
}

func (e *env) produce(t *testing.T, topic, key string, value []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.writer.Publish(ctx, topic, []byte(key), value); err != nil {
		t.Fatal(err)
	}
}

// forwardFailure puts a failed load, as read at src on load-failed, on the
// failed-loads topic the way the forwarder does.
func (e *env) forwardFailure(t *testing.T, src email.Source, value []byte) {
	t.Helper()
	key, rec, err := email.Forward(src, value)
	if err != nil {
		t.Fatal(err)
	}
	e.produce(t, failedTopic, string(key), rec)
}

// waitCommitted waits until the group has committed every record of topic.
func (e *env) waitCommitted(t *testing.T, topic string) {
	t.Helper()
	wait.For(t, 30*time.Second, func() (bool, string) {
		end, done := e.offsets(t, topic)
		return done >= end, fmt.Sprintf("%s: %d of %d records committed", topic, done, end)
	})
}

// offsets returns how many records topic holds and how many of them the
// group has committed.
func (e *env) offsets(t *testing.T, topic string) (end, committed int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(e.cluster.Addr), Transport: tr}
	var reqs []kafka.OffsetRequest
	ps := make([]int, partitions)
	for i := range ps {
		ps[i] = i
		reqs = append(reqs, kafka.LastOffsetOf(i))
	}
	lo, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range lo.Topics[topic] {
		end += p.LastOffset
	}
	of, err := cl.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ps}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range of.Topics[topic] {
		committed += max(p.CommittedOffset, 0)
	}
	return end, committed
}

// rewind sets the group's committed offsets of topic back to the start, as
// if its records had been folded but the commits lost (a crash between the
// two). The group must have no member.
func (e *env) rewind(t *testing.T, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(e.cluster.Addr), Transport: tr}
	var offs []kafka.OffsetCommit
	for i := range partitions {
		offs = append(offs, kafka.OffsetCommit{Partition: i, Offset: 0})
	}
	res, err := cl.OffsetCommit(ctx, &kafka.OffsetCommitRequest{GroupID: group, GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{topic: offs}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range res.Topics {
		for _, p := range ps {
			if p.Error != nil {
				t.Fatalf("rewinding %s/%d: %v", topic, p.Partition, p.Error)
			}
		}
	}
}

// writeState puts a record on the state topic (nil value: a tombstone).
func (e *env) writeState(t *testing.T, key string, value []byte) {
	t.Helper()
	e.produce(t, stateTopic, key, value)
}

// deadLetter is the value of a dead letter of eventID at hook.
func deadLetter(t *testing.T, eventID string, hook schema.HookRef, reason string) []byte {
	t.Helper()
	start := time.Date(2026, 11, 27, 6, 0, 1, 0, time.UTC)
	attempts := []schema.Attempt{
		{Number: 1, StartedAt: start, DurationMS: 95, Status: 503, Error: "status 503"},
		{Number: 2, StartedAt: start.Add(time.Minute), DurationMS: 30000,
			Error: "Post \"" + hook.URL + "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"},
		{Number: 3, StartedAt: start.Add(5 * time.Minute), DurationMS: 3,
			Error: "dial tcp 192.0.2.7:443: connect: connection refused"},
	}
	if reason == schema.ReasonHookGone {
		attempts = []schema.Attempt{{Number: 1, StartedAt: start, DurationMS: 40, Status: 410, Error: "status 410"}}
	}
	last := attempts[len(attempts)-1].StartedAt
	b, err := json.Marshal(schema.DeadLetter{
		Event:          string(schema.SampleLoadEvent(eventID, hook.ClientID, hook.DestinationID, false, start)),
		EventID:        eventID,
		Hook:           hook,
		Attempts:       attempts,
		FirstAttemptAt: start,
		LastAttemptAt:  last,
		Reason:         reason,
		DeadAt:         last.Add(time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadFailure is the value of a failed load of table.
func loadFailure(t *testing.T, eventID string, clientID int64, table, errText string) []byte {
	t.Helper()
	b, err := json.Marshal(schema.LoadFailure{
		EventID: eventID, ClientID: clientID, DestinationID: 12345,
		EmittedAt:       time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC),
		IntegrationName: "shopify", SourceRootTableName: table, Error: errText,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hookRef(id, clientID int64) schema.HookRef {
	return schema.HookRef{ID: id, ClientID: clientID, DestinationID: 12345,
		URL: fmt.Sprintf("https://hooks.example.com/catch/%d", id)}
}

// messages waits until srv has accepted n messages and returns them parsed.
func messages(t *testing.T, srv *smtptest.Server, n int) []parsedMessage {
	t.Helper()
	wait.For(t, 30*time.Second, func() (bool, string) {
		got := len(srv.Messages())
		return got >= n, fmt.Sprintf("SMTP server accepted %d messages, want %d", got, n)
	})
	var out []parsedMessage
	for _, m := range srv.Messages() {
		out = append(out, parsedMessage{Env: m, Parsed: smtptest.Parse(t, m.Data)})
	}
	return out
}

// messagesAdvancing is messages for emails that wait on a backoff: it
// moves the clock a minute on at every look, since a try that failed just
// before the server came back may set its timer after any one move.
func messagesAdvancing(t *testing.T, e *env, n int) []parsedMessage {
	t.Helper()
	wait.For(t, 30*time.Second, func() (bool, string) {
		e.clock.Advance(time.Minute)
		got := len(e.srv.Messages())
		return got >= n, fmt.Sprintf("SMTP server accepted %d messages, want %d", got, n)
	})
	return messages(t, e.srv, n)
}

// parsedMessage is an accepted message: its envelope and its parsed content.
type parsedMessage struct {
	Env smtptest.Message
	smtptest.Parsed
}

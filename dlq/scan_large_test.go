package dlq

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// TestScanLargeBatches reads record batches larger than one fetch (500
// dead letters of about 3 KB each) and fetches that end inside a batch.
func TestScanLargeBatches(t *testing.T) {
	e := newEnv(t)
	const n = 2000
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		client := int64(clientA + i%7)
		d := dl{event: fmt.Sprintf("ev-%04d", i), client: client, hook: int64(1 + i%5), deadAt: t0.Add(time.Duration(i) * time.Second)}
		msgs[i] = kafka.Message{Key: []byte(strconv.FormatInt(client, 10)), Value: d.value()}
	}
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{Addr: kafka.TCP(e.cluster.Addr), Topic: "postload.dlq", Transport: tr,
		Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchSize: 500, BatchBytes: 1000000, BatchTimeout: time.Millisecond}
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatalf("%.300v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := e.mustScan(t, Filter{})
	if len(got) != n {
		t.Fatalf("%d entries, want %d", len(got), n)
	}
	for i, en := range got {
		if want := fmt.Sprintf("ev-%04d", i); en.DeadLetter.EventID != want {
			t.Fatalf("entry %d is %s, want %s", i, en.DeadLetter.EventID, want)
		}
	}
}

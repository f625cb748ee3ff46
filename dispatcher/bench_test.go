package dispatcher

import (
	"context"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

// hookTable is a Hooks of fixed hooks, as the registry answers from memory.
type hookTable map[[2]int64][]schema.Hook

func (t hookTable) Match(c, d int64) []schema.Hook { return t[[2]int64{c, d}] }

// BenchmarkHotPath is the per-event work before the network: decode and
// validate the event, match its hooks, sign and build one request per hook.
func BenchmarkHotPath(b *testing.B) {
	for _, hooks := range []int{1, 10} {
		b.Run(map[int]string{1: "1hook", 10: "10hooks"}[hooks], func(b *testing.B) {
			now := time.Now()
			var hs []schema.Hook
			for i := range hooks {
				hs = append(hs, schema.Hook{ID: int64(i + 1), ClientID: 1, DestinationID: 1,
					Config: schema.HookConfig{URL: "https://hooks.example.com/catch", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}})
			}
			table := hookTable{{1, 1}: hs}
			value := schema.SampleLoadEvent("01JD3S1Z8Q5Q7W5E4Y9K2M3N4P", 1, 1, false, now)
			ctx := context.Background()
			b.SetBytes(int64(len(value)))
			b.ReportAllocs()
			for b.Loop() {
				ev, err := schema.DecodeLoadEvent(value)
				if err != nil {
					b.Fatal(err)
				}
				for _, h := range table.Match(ev.ClientID, ev.DestinationID) {
					var signers []Signer
					for _, secret := range h.Config.Secrets(now) {
						s, err := NewSigner(secret)
						if err != nil {
							b.Fatal(err)
						}
						signers = append(signers, s)
					}
					req := Request{URL: h.Config.URL, WebhookID: schema.WebhookID(ev.EventID, h.ID), Signers: signers, Body: ev.Payload, Number: 1}
					if _, err := buildRequest(ctx, req, now.Unix()); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

package dlq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// marker is the value of a replay marker (key = the dead letter's id).
type marker struct {
	ReplayedAt time.Time `json:"replayed_at"`
	HookID     int64     `json:"hook_id"`
}

// markers is the set of ids of replayed dead letters.
type markers map[string]struct{}

// readMarkers reads the replay markers from the start of ReplayedTopic to
// its end as of now; a missing topic has none. A record without a value (a
// tombstone) unmarks its id.
func readMarkers(ctx context.Context, cfg Config, topic string) (markers, error) {
	set := markers{}
	err := readAll(ctx, cfg, topic, func(r record) {
		if r.value == nil {
			delete(set, string(r.key))
		} else {
			set[string(r.key)] = struct{}{}
		}
	})
	var missing interface{ Missing() bool }
	if errors.As(err, &missing) && missing.Missing() {
		return set, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading replay markers: %w", err)
	}
	return set, nil
}

// prepareMarkers creates ReplayedTopic if it is missing, then reads it.
func prepareMarkers(ctx context.Context, cfg Config, topic string) (markers, error) {
	cctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	created, err := cfg.Kafka.EnsureCompacted(cctx, topic)
	cancel()
	if err != nil {
		return nil, err
	}
	if created {
		return markers{}, nil
	}
	return readMarkers(ctx, cfg, topic)
}

// encodeMarker returns the key and value of the marker of id.
func encodeMarker(id string, hookID int64, at time.Time) (key, value []byte, err error) {
	value, err = json.Marshal(marker{ReplayedAt: at.UTC(), HookID: hookID})
	return []byte(id), value, err
}

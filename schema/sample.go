package schema

import (
	"fmt"
	"time"
)

// SampleLoadEvent returns the compact JSON value of a realistic load event
// (about 1 KB): a Shopify "orders" load into an S3 destination, with a
// subtable. When rejected is false every row loaded. When it is true some
// rows of "orders" were rejected and every row of its subtable was, so that
// table has num_rows 0 and bookmark_metadata null, as the contract says.
// Times derive from now. The value is valid when eventID is 1..128
// characters and the ids are positive.
func SampleLoadEvent(eventID string, clientID, destinationID int64, rejected bool, now time.Time) []byte {
	p := samplePayload(rejected, now.UTC())
	return mustMarshal(LoadEvent{
		EventID:       eventID,
		ClientID:      clientID,
		DestinationID: destinationID,
		EmittedAt:     now.UTC(),
		Payload:       mustMarshal(p),
	})
}

// SampleLoadFailure returns the compact JSON value of a realistic load
// failure for the same integration and table as SampleLoadEvent.
func SampleLoadFailure(eventID string, clientID, destinationID int64, now time.Time) []byte {
	return mustMarshal(LoadFailure{
		EventID:             eventID,
		ClientID:            clientID,
		DestinationID:       destinationID,
		EmittedAt:           now.UTC(),
		IntegrationName:     "shopify",
		SourceRootTableName: "orders",
		Error:               "permission denied for schema analytics",
	})
}

// samplePayload is the webhook body of SampleLoadEvent; now is in UTC.
func samplePayload(rejected bool, now time.Time) payload {
	ms := now.Truncate(time.Millisecond)
	extracted := ms.Add(-3 * time.Minute)
	batch := fmt.Sprintf("%d", ms.UnixMilli())
	bookmarks := []bookmark{{
		Key:      "updated_at",
		MinValue: extracted.Add(-time.Hour).Format(time.RFC3339),
		MaxValue: extracted.Format(time.RFC3339),
	}}
	orders := table{
		SourceTableName:      "orders",
		DestinationTableName: "orders",
		NumRows:              100,
		S3Objects:            []string{"stitch-s3-bucket/orders/0_" + batch + ".jsonl"},
		BookmarkMetadata:     bookmarks,
		MaxTimeExtracted:     extracted,
	}
	lines := table{
		SourceTableName:      "orders__line_items",
		DestinationTableName: "orders__line_items",
		NumRows:              248,
		S3Objects:            []string{"stitch-s3-bucket/orders__line_items/0_" + batch + ".jsonl"},
		BookmarkMetadata:     bookmarks,
		MaxTimeExtracted:     extracted,
	}
	if rejected {
		orders.NumRows, orders.NumRowsRejected = 89, 11
		lines.NumRows, lines.NumRowsRejected = 0, 248
		lines.S3Objects, lines.BookmarkMetadata = nil, nil
	}
	return payload{
		Version:                  "1.0",
		MinimumSDCBatchedAt:      ms.Add(-2 * time.Minute),
		IntegrationName:          "shopify",
		NewVersion:               false,
		SourceRootTableName:      "orders",
		DestinationRootTableName: "orders",
		TableVersion:             0,
		Tables:                   []table{orders, lines},
	}
}

// mustMarshal encodes v as compact JSON without escaping <, > and &. The
// values it is given always encode.
func mustMarshal(v any) []byte {
	b, err := EncodeRecord(v)
	if err != nil {
		panic(err)
	}
	return b
}

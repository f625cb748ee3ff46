package schema

import "time"

// payload is the post-load webhook body (the load event's payload) as the
// contract documents it. Only samples are built from it: the service
// forwards a payload as bytes and never re-encodes one.
type payload struct {
	Version                  string    `json:"version"`
	MinimumSDCBatchedAt      time.Time `json:"minimum_sdc_batched_at"`
	IntegrationName          string    `json:"integration_name"`
	NewVersion               bool      `json:"new_version"`
	SourceRootTableName      string    `json:"source_root_table_name"`
	DestinationRootTableName string    `json:"destination_root_table_name"`
	TableVersion             int64     `json:"table_version"`
	Tables                   []table   `json:"tables"`
}

// table is one table of a payload: the root table or a subtable.
type table struct {
	SourceTableName      string   `json:"source_table_name"`
	DestinationTableName string   `json:"destination_table_name"`
	NumRows              int64    `json:"num_rows"`
	NumRowsRejected      int64    `json:"num_rows_rejected"`
	S3Objects            []string `json:"s3_objects,omitempty"` // S3 destinations only
	// BookmarkMetadata encodes as null when nil: every row was rejected.
	BookmarkMetadata []bookmark `json:"bookmark_metadata"`
	MaxTimeExtracted time.Time  `json:"max_time_extracted"`
}

// bookmark is a replication key's range in a load.
type bookmark struct {
	Key      string `json:"key"`
	MinValue any    `json:"min_value"`
	MaxValue any    `json:"max_value"`
}

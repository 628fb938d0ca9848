package putcodec_test

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/sluicehq/sluice/internal/putcodec"
)

// The reference semantics: what the fallback decodes into.
type (
	stdRecord struct{ Data []byte }
	stdBatch  struct {
		DeliveryStreamName *string
		Records            []stdRecord
	}
	stdPut struct {
		DeliveryStreamName *string
		Record             *stdRecord
	}
)

func diffName(got, want *string) string {
	switch {
	case (got == nil) != (want == nil):
		return fmt.Sprintf("StreamName nil=%v, encoding/json nil=%v", got == nil, want == nil)
	case got != nil && *got != *want:
		return fmt.Sprintf("StreamName %q, encoding/json %q", *got, *want)
	}
	return ""
}

func diffRecord(got *putcodec.Record, want *stdRecord) string {
	if got.DataPresent != (got.Data != nil) {
		return fmt.Sprintf("DataPresent=%v but Data nil=%v", got.DataPresent, got.Data == nil)
	}
	if (got.Data == nil) != (want.Data == nil) || !bytes.Equal(got.Data, want.Data) {
		return fmt.Sprintf("Data %q (nil=%v), encoding/json %q (nil=%v)", got.Data, got.Data == nil, want.Data, want.Data == nil)
	}
	if cap(got.Data) != len(got.Data) {
		return fmt.Sprintf("Data cap %d > len %d: appending would clobber the next record", cap(got.Data), len(got.Data))
	}
	return ""
}

// diffBatch returns "" when got equals what encoding/json decodes from body,
// or a description of the difference, or of encoding/json's error.
func diffBatch(body []byte, got *putcodec.BatchRequest) string {
	var want stdBatch
	if err := json.Unmarshal(body, &want); err != nil {
		return fmt.Sprintf("fast path accepted a body encoding/json rejects: %v", err)
	}
	if d := diffName(got.StreamName, want.DeliveryStreamName); d != "" {
		return d
	}
	if got.RecordsPresent != (want.Records != nil) {
		return fmt.Sprintf("RecordsPresent=%v, encoding/json nil=%v", got.RecordsPresent, want.Records == nil)
	}
	if len(got.Records) != len(want.Records) {
		return fmt.Sprintf("%d records, encoding/json %d", len(got.Records), len(want.Records))
	}
	for i := range got.Records {
		if d := diffRecord(&got.Records[i], &want.Records[i]); d != "" {
			return fmt.Sprintf("record %d: %s", i, d)
		}
	}
	return ""
}

func diffPut(body []byte, got *putcodec.PutRequest) string {
	var want stdPut
	if err := json.Unmarshal(body, &want); err != nil {
		return fmt.Sprintf("fast path accepted a body encoding/json rejects: %v", err)
	}
	if d := diffName(got.StreamName, want.DeliveryStreamName); d != "" {
		return d
	}
	if (got.Record == nil) != (want.Record == nil) {
		return fmt.Sprintf("Record nil=%v, encoding/json nil=%v", got.Record == nil, want.Record == nil)
	}
	if got.Record != nil {
		return diffRecord(got.Record, want.Record)
	}
	return ""
}

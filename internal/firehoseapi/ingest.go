package firehoseapi

import (
	"context"
	"sync"

	"github.com/sluicehq/sluice/internal/awsproto"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/putcodec"
)

// The data-path handlers decode with the hand-written codec (falling back
// to encoding/json for anything unusual), validate with the generated
// validators, and encode their responses by hand: at 200,000 records/s the
// generic JSON path would be the bottleneck.

var (
	batchRequests = sync.Pool{New: func() any { return new(putcodec.BatchRequest) }}
	putRequests   = sync.Pool{New: func() any { return new(putcodec.PutRequest) }}
)

func (a *API) putRecordBatch(ctx context.Context, req *awsproto.Request) (any, error) {
	br := batchRequests.Get().(*putcodec.BatchRequest)
	defer batchRequests.Put(br)
	var in fm.PutRecordBatchInput
	if putcodec.DecodeBatch(req.Body, br) {
		in.DeliveryStreamName = br.StreamName
		if br.RecordsPresent {
			in.Records = make([]fm.Record, len(br.Records))
			for i := range br.Records {
				in.Records[i].Data = br.Records[i].Data
			}
		}
	} else if err := awsproto.Unmarshal(req.Body, &in); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, awsproto.Validation(err.Error())
	}
	recs := make([][]byte, len(in.Records))
	for i := range in.Records {
		recs[i] = in.Records[i].Data
	}
	acc, err := a.ingest.Put(ctx, callerOf(req), *in.DeliveryStreamName, recs, false)
	if err != nil {
		return nil, toAWS(err)
	}
	ids := a.ids.get(acc.StreamUID)
	if acc.Count == len(recs) {
		return awsproto.RawJSON(putcodec.AppendBatchAccepted(nil, acc.Encrypted, ids, acc.Seq, acc.First, acc.Count)), nil
	}
	// Part of the batch was over the throughput quota: the stored prefix
	// gets ids, the rest "Slow down.", as AWS answers a partial throttle.
	entries := make([]putcodec.Entry, len(recs))
	for i := range entries {
		if i < acc.Count {
			entries[i].RecordID = string(ids.Append(nil, acc.Seq, acc.First+uint32(i)))
		} else {
			entries[i] = putcodec.Entry{ErrorCode: fm.ErrCodeServiceUnavailableException, ErrorMessage: "Slow down."}
		}
	}
	return awsproto.RawJSON(putcodec.AppendBatchResponse(nil, acc.Encrypted, entries)), nil
}

func (a *API) putRecord(ctx context.Context, req *awsproto.Request) (any, error) {
	pr := putRequests.Get().(*putcodec.PutRequest)
	defer putRequests.Put(pr)
	var in fm.PutRecordInput
	if putcodec.DecodePut(req.Body, pr) {
		in.DeliveryStreamName = pr.StreamName
		if pr.Record != nil {
			in.Record = &fm.Record{Data: pr.Record.Data}
		}
	} else if err := awsproto.Unmarshal(req.Body, &in); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, awsproto.Validation(err.Error())
	}
	acc, err := a.ingest.Put(ctx, callerOf(req), *in.DeliveryStreamName, [][]byte{in.Record.Data}, true)
	if err != nil {
		return nil, toAWS(err)
	}
	return awsproto.RawJSON(putcodec.AppendPutAccepted(nil, acc.Encrypted, a.ids.get(acc.StreamUID), acc.Seq, acc.First)), nil
}

// idKeys caches the record-id key of each stream incarnation.
type idKeys struct{ m sync.Map }

func (k *idKeys) get(uid string) *putcodec.IDKey {
	if v, ok := k.m.Load(uid); ok {
		return v.(*putcodec.IDKey)
	}
	v, _ := k.m.LoadOrStore(uid, putcodec.NewIDKey([]byte(uid)))
	return v.(*putcodec.IDKey)
}

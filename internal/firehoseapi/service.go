package firehoseapi

import (
	"context"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/ingest"
)

// API holds what the handlers need.
type API struct {
	streams *firehose.Service
	ingest  *ingest.Ingester
	ids     idKeys
}

// NewService returns the Firehose JSON service for the protocol layer.
func NewService(streams *firehose.Service, in *ingest.Ingester) *awsproto.Service {
	a := &API{streams: streams, ingest: in}
	return &awsproto.Service{
		TargetPrefix: fm.TargetPrefix,
		SigningName:  "firehose",
		Operations: map[string]awsproto.Handler{
			"CreateDeliveryStream":          handle(a.create),
			"DeleteDeliveryStream":          handle(a.delete),
			"DescribeDeliveryStream":        handle(a.describe),
			"ListDeliveryStreams":           handle(a.list),
			"ListTagsForDeliveryStream":     handle(a.listTags),
			"TagDeliveryStream":             handle(a.tag),
			"UntagDeliveryStream":           handle(a.untag),
			"UpdateDestination":             handle(a.update),
			"StartDeliveryStreamEncryption": handle(a.startEncryption),
			"StopDeliveryStreamEncryption":  handle(a.stopEncryption),
			"PutRecord":                     a.putRecord,
			"PutRecordBatch":                a.putRecordBatch,
		},
	}
}

// handle adapts a typed operation to awsproto.Handler: it decodes and
// validates the generated input type, and maps domain errors.
func handle[In any, PIn interface {
	*In
	Validate() error
}, Out any](op func(ctx context.Context, c firehose.Caller, in PIn) (Out, error)) awsproto.Handler {
	return func(ctx context.Context, req *awsproto.Request) (any, error) {
		in := PIn(new(In))
		if err := awsproto.DecodeInput(req, in); err != nil {
			return nil, err
		}
		out, err := op(ctx, callerOf(req), in)
		if err != nil {
			return nil, toAWS(err)
		}
		return out, nil
	}
}

func callerOf(req *awsproto.Request) firehose.Caller {
	return firehose.Caller{AccountID: req.AccountID, Region: req.Region}
}

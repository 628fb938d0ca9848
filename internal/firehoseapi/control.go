package firehoseapi

import (
	"context"

	"github.com/sluicehq/sluice/internal/apishape"
	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
)

func (a *API) create(ctx context.Context, c firehose.Caller, in *fm.CreateDeliveryStreamInput) (*fm.CreateDeliveryStreamOutput, error) {
	arn, err := a.streams.Create(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &fm.CreateDeliveryStreamOutput{DeliveryStreamARN: &arn}, nil
}

func (a *API) delete(ctx context.Context, c firehose.Caller, in *fm.DeleteDeliveryStreamInput) (*fm.DeleteDeliveryStreamOutput, error) {
	err := a.streams.Delete(ctx, c, apishape.Deref(in.DeliveryStreamName), apishape.Deref(in.AllowForceDelete))
	return &fm.DeleteDeliveryStreamOutput{}, err
}

func (a *API) describe(ctx context.Context, c firehose.Caller, in *fm.DescribeDeliveryStreamInput) (*fm.DescribeDeliveryStreamOutput, error) {
	ds, err := a.streams.Describe(ctx, c, apishape.Deref(in.DeliveryStreamName))
	if err != nil {
		return nil, err
	}
	desc, err := describeStream(ds, apishape.Deref(in.ExclusiveStartDestinationId))
	if err != nil {
		return nil, err
	}
	return &fm.DescribeDeliveryStreamOutput{DeliveryStreamDescription: desc}, nil
}

// defaultListLimit is ListDeliveryStreams' page size without Limit.
const defaultListLimit = 10

func (a *API) list(ctx context.Context, c firehose.Caller, in *fm.ListDeliveryStreamsInput) (*fm.ListDeliveryStreamsOutput, error) {
	limit := defaultListLimit
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	res, err := a.streams.List(ctx, c, limit, apishape.Deref(in.DeliveryStreamType), apishape.Deref(in.ExclusiveStartDeliveryStreamName))
	if err != nil {
		return nil, err
	}
	return &fm.ListDeliveryStreamsOutput{DeliveryStreamNames: res.Names, HasMoreDeliveryStreams: &res.HasMore}, nil
}

func (a *API) listTags(ctx context.Context, c firehose.Caller, in *fm.ListTagsForDeliveryStreamInput) (*fm.ListTagsForDeliveryStreamOutput, error) {
	page, err := a.streams.ListTags(ctx, c, apishape.Deref(in.DeliveryStreamName), apishape.Deref(in.ExclusiveStartTagKey), int(apishape.Deref(in.Limit)))
	if err != nil {
		return nil, err
	}
	return &fm.ListTagsForDeliveryStreamOutput{Tags: page.Tags, HasMoreTags: &page.HasMore}, nil
}

func (a *API) tag(ctx context.Context, c firehose.Caller, in *fm.TagDeliveryStreamInput) (*fm.TagDeliveryStreamOutput, error) {
	return &fm.TagDeliveryStreamOutput{}, a.streams.Tag(ctx, c, apishape.Deref(in.DeliveryStreamName), in.Tags)
}

func (a *API) untag(ctx context.Context, c firehose.Caller, in *fm.UntagDeliveryStreamInput) (*fm.UntagDeliveryStreamOutput, error) {
	return &fm.UntagDeliveryStreamOutput{}, a.streams.Untag(ctx, c, apishape.Deref(in.DeliveryStreamName), in.TagKeys)
}

func (a *API) update(ctx context.Context, c firehose.Caller, in *fm.UpdateDestinationInput) (*fm.UpdateDestinationOutput, error) {
	return &fm.UpdateDestinationOutput{}, a.streams.Update(ctx, c, in)
}

package firehoseapi

import (
	"context"

	"github.com/sluicehq/sluice/internal/apishape"
	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
)

func (a *API) startEncryption(ctx context.Context, c firehose.Caller, in *fm.StartDeliveryStreamEncryptionInput) (*fm.StartDeliveryStreamEncryptionOutput, error) {
	err := a.streams.StartEncryption(ctx, c, apishape.Deref(in.DeliveryStreamName), in.DeliveryStreamEncryptionConfigurationInput)
	return &fm.StartDeliveryStreamEncryptionOutput{}, err
}

func (a *API) stopEncryption(ctx context.Context, c firehose.Caller, in *fm.StopDeliveryStreamEncryptionInput) (*fm.StopDeliveryStreamEncryptionOutput, error) {
	return &fm.StopDeliveryStreamEncryptionOutput{}, a.streams.StopEncryption(ctx, c, apishape.Deref(in.DeliveryStreamName))
}

package firehose

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/kv"
)

// Create implements CreateDeliveryStream for an input that has passed
// model validation. It returns the stream's ARN; the stream is CREATING
// until the lifecycle controller makes it ACTIVE.
func (s *Service) Create(ctx context.Context, c Caller, in *fm.CreateDeliveryStreamInput) (string, error) {
	name := deref(in.DeliveryStreamName)
	streamType := derefOr(in.DeliveryStreamType, fm.DeliveryStreamTypeDirectPut)
	src := Source{
		DirectPut:     in.DirectPutSourceConfiguration,
		KinesisStream: in.KinesisStreamSourceConfiguration,
		MSK:           in.MSKSourceConfiguration,
		Database:      in.DatabaseSourceConfiguration,
	}
	dest := Destination{
		S3:                         in.S3DestinationConfiguration,
		ExtendedS3:                 in.ExtendedS3DestinationConfiguration,
		Redshift:                   in.RedshiftDestinationConfiguration,
		Elasticsearch:              in.ElasticsearchDestinationConfiguration,
		Amazonopensearchservice:    in.AmazonopensearchserviceDestinationConfiguration,
		Splunk:                     in.SplunkDestinationConfiguration,
		HttpEndpoint:               in.HttpEndpointDestinationConfiguration,
		AmazonOpenSearchServerless: in.AmazonOpenSearchServerlessDestinationConfiguration,
		Snowflake:                  in.SnowflakeDestinationConfiguration,
		Iceberg:                    in.IcebergDestinationConfiguration,
	}
	if dest.count() != 1 {
		return "", invalidArgument("Exactly one destination configuration must be specified for a Firehose stream.")
	}
	if err := checkSource(streamType, src, in.DeliveryStreamEncryptionConfigurationInput); err != nil {
		return "", err
	}
	if err := checkDestination(dest); err != nil {
		return "", err
	}
	if err := checkTagKeysUnique(in.Tags); err != nil {
		return "", err
	}
	applyDefaults(&dest)

	now := s.now()
	ds := DeliveryStream{
		Name:        name,
		AccountID:   c.AccountID,
		Region:      c.Region,
		ARN:         StreamARN(c, name),
		UID:         newUID(),
		Type:        streamType,
		Status:      StatusCreating,
		VersionID:   1,
		CreatedAt:   now,
		DueAt:       now.Add(s.cfg.CreateDelay),
		Source:      src,
		Destination: dest,
		Tags:        in.Tags,
	}
	if streamType != fm.DeliveryStreamTypeDirectPut {
		ds.Source.DeliveryStart = now
	} else {
		ds.Encryption.Status = fm.DeliveryStreamEncryptionStatusDisabled
	}
	if err := s.applyCreateEncryption(ctx, c, &ds, in.DeliveryStreamEncryptionConfigurationInput); err != nil {
		return "", err
	}

	existing, err := s.catalog.List(ctx, accountPrefix(c))
	if err != nil {
		return "", fmt.Errorf("firehose: count streams: %w", err)
	}
	if len(existing) >= s.cfg.MaxStreams {
		return "", newError(ErrLimitExceeded, "You have already consumed your limit of %d Firehose streams under account %s.", s.cfg.MaxStreams, c.AccountID)
	}
	raw, err := json.Marshal(&ds)
	if err != nil {
		return "", fmt.Errorf("firehose: encode %s: %w", name, err)
	}
	if _, err := s.catalog.Create(ctx, streamKey(c, name), raw); err != nil {
		if errors.Is(err, kv.ErrExists) {
			return "", newError(ErrInUse, "Firehose %s under account %s already exists.", name, c.AccountID)
		}
		return "", fmt.Errorf("firehose: create %s: %w", name, err)
	}
	s.log.Info("delivery stream created", "stream", ds.ARN, "destination", dest.Kind())
	s.ctl.kick()
	return ds.ARN, nil
}

// applyCreateEncryption handles DeliveryStreamEncryptionConfigurationInput:
// the key is checked now (InvalidKMSResourceException), and granted when
// the stream leaves CREATING, which then ends ACTIVE with encryption
// ENABLED, or CREATING_FAILED.
func (s *Service) applyCreateEncryption(ctx context.Context, c Caller, ds *DeliveryStream, in *fm.DeliveryStreamEncryptionConfigurationInput) error {
	if in == nil {
		return nil
	}
	key, err := s.resolveKey(ctx, c, in)
	if err != nil {
		return err
	}
	if key.Type == fm.KeyTypeCustomerManagedCmk {
		if err := s.checkKeyQuota(ctx, c, ds.Name, key.ARN); err != nil {
			return err
		}
	}
	ds.Encryption = Encryption{
		Status:  fm.DeliveryStreamEncryptionStatusEnabling,
		KeyType: key.Type,
		KeyARN:  deref(in.KeyARN),
		Pending: key,
	}
	return nil
}

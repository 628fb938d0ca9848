package firehoseapi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/sluicehq/sluice/internal/apishape"
	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
)

// describeStream renders the catalog record as DeliveryStreamDescription.
func describeStream(ds *firehose.DeliveryStream, exclusiveStartDestinationID string) (*fm.DeliveryStreamDescription, error) {
	desc := &fm.DeliveryStreamDescription{
		DeliveryStreamName:   apishape.Ptr(ds.Name),
		DeliveryStreamARN:    apishape.Ptr(ds.ARN),
		DeliveryStreamStatus: apishape.Ptr(ds.Status),
		DeliveryStreamType:   apishape.Ptr(ds.Type),
		VersionId:            apishape.Ptr(strconv.FormatInt(ds.VersionID, 10)),
		CreateTimestamp:      timestamp(ds.CreatedAt),
		FailureDescription:   ds.Failure,
		Destinations:         []fm.DestinationDescription{},
		HasMoreDestinations:  apishape.Ptr(false),
	}
	// AWS omits LastUpdateTimestamp until the first update.
	if !ds.UpdatedAt.IsZero() {
		desc.LastUpdateTimestamp = timestamp(ds.UpdatedAt)
	}
	if enc := ds.Encryption; enc.Status != "" {
		desc.DeliveryStreamEncryptionConfiguration = &fm.DeliveryStreamEncryptionConfiguration{
			Status:             apishape.Ptr(enc.Status),
			FailureDescription: enc.Failure,
		}
		if enc.KeyType != "" {
			desc.DeliveryStreamEncryptionConfiguration.KeyType = apishape.Ptr(enc.KeyType)
		}
		if enc.KeyARN != "" {
			desc.DeliveryStreamEncryptionConfiguration.KeyARN = apishape.Ptr(enc.KeyARN)
		}
	}
	src, err := describeSource(ds.Source)
	if err != nil {
		return nil, err
	}
	desc.Source = src
	// There is only ever one destination: starting after it leaves none.
	if exclusiveStartDestinationID != firehose.DestinationID {
		dest, err := describeDestination(ds.Destination)
		if err != nil {
			return nil, err
		}
		desc.Destinations = append(desc.Destinations, *dest)
	}
	return desc, nil
}

func timestamp(t time.Time) *apishape.Timestamp {
	ts := apishape.NewTimestamp(t)
	return &ts
}

func describeSource(src firehose.Source) (*fm.SourceDescription, error) {
	var start *apishape.Timestamp
	if !src.DeliveryStart.IsZero() {
		start = timestamp(src.DeliveryStart)
	}
	switch {
	case src.KinesisStream != nil:
		return &fm.SourceDescription{KinesisStreamSourceDescription: &fm.KinesisStreamSourceDescription{
			KinesisStreamARN:       src.KinesisStream.KinesisStreamARN,
			RoleARN:                src.KinesisStream.RoleARN,
			DeliveryStartTimestamp: start,
		}}, nil
	case src.MSK != nil:
		var d fm.MSKSourceDescription
		if err := remap(src.MSK, &d, nil); err != nil {
			return nil, err
		}
		d.DeliveryStartTimestamp = start
		return &fm.SourceDescription{MSKSourceDescription: &d}, nil
	case src.Database != nil:
		var d fm.DatabaseSourceDescription
		if err := remap(src.Database, &d, nil); err != nil {
			return nil, err
		}
		return &fm.SourceDescription{DatabaseSourceDescription: &d}, nil
	case src.DirectPut != nil:
		return &fm.SourceDescription{DirectPutSourceDescription: &fm.DirectPutSourceDescription{
			ThroughputHintInMBs: src.DirectPut.ThroughputHintInMBs,
		}}, nil
	}
	return nil, nil
}

// descriptionRenames maps members of the *Configuration shapes to the
// members of the *Description shapes that describe them. Everything else
// keeps its name, and members that the Description shapes lack (secrets
// such as HTTP access keys, Redshift passwords, Snowflake private keys)
// are dropped by decoding into the Description type.
var descriptionRenames = map[string]string{
	"S3Configuration":       "S3DestinationDescription",
	"S3BackupConfiguration": "S3BackupDescription",
	"VpcConfiguration":      "VpcConfigurationDescription",
}

func describeDestination(d firehose.Destination) (*fm.DestinationDescription, error) {
	out := &fm.DestinationDescription{DestinationId: apishape.Ptr(firehose.DestinationID)}
	var err error
	switch {
	case d.S3 != nil:
		out.S3DestinationDescription = new(fm.S3DestinationDescription)
		out.ExtendedS3DestinationDescription = new(fm.ExtendedS3DestinationDescription)
		err = firstErr(remap(d.S3, out.S3DestinationDescription, nil), remap(d.S3, out.ExtendedS3DestinationDescription, nil))
	case d.ExtendedS3 != nil:
		// AWS mirrors an ExtendedS3 destination as a plain S3 description
		// too, for clients that only know the legacy shape.
		out.ExtendedS3DestinationDescription = new(fm.ExtendedS3DestinationDescription)
		out.S3DestinationDescription = new(fm.S3DestinationDescription)
		err = firstErr(
			remap(d.ExtendedS3, out.ExtendedS3DestinationDescription, descriptionRenames),
			remap(d.ExtendedS3, out.S3DestinationDescription, nil))
	case d.Redshift != nil:
		out.RedshiftDestinationDescription = new(fm.RedshiftDestinationDescription)
		err = remap(d.Redshift, out.RedshiftDestinationDescription, descriptionRenames)
	case d.Elasticsearch != nil:
		out.ElasticsearchDestinationDescription = new(fm.ElasticsearchDestinationDescription)
		err = remap(d.Elasticsearch, out.ElasticsearchDestinationDescription, descriptionRenames)
	case d.Amazonopensearchservice != nil:
		out.AmazonopensearchserviceDestinationDescription = new(fm.AmazonopensearchserviceDestinationDescription)
		err = remap(d.Amazonopensearchservice, out.AmazonopensearchserviceDestinationDescription, descriptionRenames)
	case d.Splunk != nil:
		out.SplunkDestinationDescription = new(fm.SplunkDestinationDescription)
		err = remap(d.Splunk, out.SplunkDestinationDescription, descriptionRenames)
	case d.HttpEndpoint != nil:
		out.HttpEndpointDestinationDescription = new(fm.HttpEndpointDestinationDescription)
		err = remap(d.HttpEndpoint, out.HttpEndpointDestinationDescription, descriptionRenames)
	case d.AmazonOpenSearchServerless != nil:
		out.AmazonOpenSearchServerlessDestinationDescription = new(fm.AmazonOpenSearchServerlessDestinationDescription)
		err = remap(d.AmazonOpenSearchServerless, out.AmazonOpenSearchServerlessDestinationDescription, descriptionRenames)
	case d.Snowflake != nil:
		out.SnowflakeDestinationDescription = new(fm.SnowflakeDestinationDescription)
		err = remap(d.Snowflake, out.SnowflakeDestinationDescription, descriptionRenames)
	case d.Iceberg != nil:
		out.IcebergDestinationDescription = new(fm.IcebergDestinationDescription)
		err = remap(d.Iceberg, out.IcebergDestinationDescription, descriptionRenames)
	}
	if err != nil {
		return nil, fmt.Errorf("firehoseapi: describe destination: %w", err)
	}
	return out, nil
}

// remap copies a configuration shape into a description shape through
// JSON, renaming top-level members as given. The two shapes share member
// names, so this keeps Describe exhaustive for every destination without a
// hand-written copy per field.
func remap(from, to any, renames map[string]string) error {
	raw, err := json.Marshal(from)
	if err != nil {
		return err
	}
	if len(renames) > 0 {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return err
		}
		for old, nu := range renames {
			if v, ok := m[old]; ok {
				m[nu] = v
				delete(m, old)
			}
		}
		if raw, err = json.Marshal(m); err != nil {
			return err
		}
	}
	return json.Unmarshal(raw, to)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

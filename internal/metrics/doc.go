// Package metrics defines Sluice's Prometheus metrics, named after the
// CloudWatch metrics of Firehose (IncomingRecords, DeliveryToS3.Success,
// ...; a '.' in a CloudWatch name becomes '_'), each labelled with the
// delivery stream.
//
// A Metrics value is built once by the app and injected; there is no
// global registry. Components take the narrow set of metrics they update.
package metrics

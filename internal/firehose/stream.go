package firehose

import (
	"time"

	fm "github.com/sluicehq/sluice/internal/firehosemodel"
)

// Status is a delivery stream's lifecycle status (DeliveryStreamStatus).
type Status = fm.DeliveryStreamStatus

// The statuses of the model. SUSPENDED, which some tooling mentions, is not
// one of them.
const (
	StatusCreating       = fm.DeliveryStreamStatusCreating
	StatusCreatingFailed = fm.DeliveryStreamStatusCreatingFailed
	StatusDeleting       = fm.DeliveryStreamStatusDeleting
	StatusDeletingFailed = fm.DeliveryStreamStatusDeletingFailed
	StatusActive         = fm.DeliveryStreamStatusActive
)

// DestinationID is the id of the one destination every stream has.
const DestinationID = "destinationId-000000000001"

// Caller is the account and region a request acts in. Every delivery
// stream belongs to exactly one of them.
type Caller struct {
	AccountID string
	Region    string
}

// DeliveryStream is the catalog record of one delivery stream: everything
// DescribeDeliveryStream shows, plus the identity of its stored records.
type DeliveryStream struct {
	Name      string                `json:"name"`
	AccountID string                `json:"account"`
	Region    string                `json:"region"`
	ARN       string                `json:"arn"`
	UID       string                `json:"uid"` // names the stream's records in the record log
	Type      fm.DeliveryStreamType `json:"type"`
	Status    Status                `json:"status"`
	VersionID int64                 `json:"version"`
	CreatedAt time.Time             `json:"created"`
	UpdatedAt time.Time             `json:"updated,omitzero"` // zero until the first UpdateDestination
	// DueAt is when the current transitional status (CREATING, DELETING)
	// is to end; the lifecycle controller acts on it.
	DueAt   time.Time              `json:"due,omitzero"`
	Failure *fm.FailureDescription `json:"failure,omitempty"`
	// ForceDelete records AllowForceDelete of the pending deletion.
	ForceDelete bool        `json:"forceDelete,omitempty"`
	Source      Source      `json:"source"`
	Destination Destination `json:"destination"`
	Tags        []fm.Tag    `json:"tags,omitempty"`
	Encryption  Encryption  `json:"encryption"`
}

// Source is the stream's source configuration; at most one member is set.
type Source struct {
	DirectPut     *fm.DirectPutSourceConfiguration     `json:"directPut,omitempty"`
	KinesisStream *fm.KinesisStreamSourceConfiguration `json:"kinesisStream,omitempty"`
	MSK           *fm.MSKSourceConfiguration           `json:"msk,omitempty"`
	Database      *fm.DatabaseSourceConfiguration      `json:"database,omitempty"`
	DeliveryStart time.Time                            `json:"deliveryStart,omitzero"`
}

// Destination is the stream's one destination, stored in the shape it was
// configured with; exactly one member is set.
type Destination struct {
	S3                         *fm.S3DestinationConfiguration                         `json:"S3,omitempty"`
	ExtendedS3                 *fm.ExtendedS3DestinationConfiguration                 `json:"ExtendedS3,omitempty"`
	Redshift                   *fm.RedshiftDestinationConfiguration                   `json:"Redshift,omitempty"`
	Elasticsearch              *fm.ElasticsearchDestinationConfiguration              `json:"Elasticsearch,omitempty"`
	Amazonopensearchservice    *fm.AmazonopensearchserviceDestinationConfiguration    `json:"Amazonopensearchservice,omitempty"`
	Splunk                     *fm.SplunkDestinationConfiguration                     `json:"Splunk,omitempty"`
	HttpEndpoint               *fm.HttpEndpointDestinationConfiguration               `json:"HttpEndpoint,omitempty"`
	AmazonOpenSearchServerless *fm.AmazonOpenSearchServerlessDestinationConfiguration `json:"AmazonOpenSearchServerless,omitempty"`
	Snowflake                  *fm.SnowflakeDestinationConfiguration                  `json:"Snowflake,omitempty"`
	Iceberg                    *fm.IcebergDestinationConfiguration                    `json:"Iceberg,omitempty"`
}

// Kind names the destination type the way the API's member names do
// ("ExtendedS3", "HttpEndpoint", ...), or "" when none is set.
func (d Destination) Kind() string {
	for _, k := range destinationKinds {
		if k.get(&d) {
			return k.name
		}
	}
	return ""
}

type destinationKind struct {
	name string
	get  func(*Destination) bool
}

// destinationKinds lists the destination members in model order.
var destinationKinds = []destinationKind{
	{"S3", func(d *Destination) bool { return d.S3 != nil }},
	{"ExtendedS3", func(d *Destination) bool { return d.ExtendedS3 != nil }},
	{"Redshift", func(d *Destination) bool { return d.Redshift != nil }},
	{"Elasticsearch", func(d *Destination) bool { return d.Elasticsearch != nil }},
	{"Amazonopensearchservice", func(d *Destination) bool { return d.Amazonopensearchservice != nil }},
	{"Splunk", func(d *Destination) bool { return d.Splunk != nil }},
	{"HttpEndpoint", func(d *Destination) bool { return d.HttpEndpoint != nil }},
	{"AmazonOpenSearchServerless", func(d *Destination) bool { return d.AmazonOpenSearchServerless != nil }},
	{"Snowflake", func(d *Destination) bool { return d.Snowflake != nil }},
	{"Iceberg", func(d *Destination) bool { return d.Iceberg != nil }},
}

// count returns how many destination members are set.
func (d Destination) count() int {
	n := 0
	for _, k := range destinationKinds {
		if k.get(&d) {
			n++
		}
	}
	return n
}

// StreamARN builds a delivery stream ARN.
func StreamARN(c Caller, name string) string {
	return "arn:" + partition(c.Region) + ":firehose:" + c.Region + ":" + c.AccountID + ":deliverystream/" + name
}

// partition returns the ARN partition of a region.
func partition(region string) string {
	switch {
	case len(region) > 3 && region[:3] == "cn-":
		return "aws-cn"
	case len(region) > 7 && region[:7] == "us-gov-":
		return "aws-us-gov"
	default:
		return "aws"
	}
}

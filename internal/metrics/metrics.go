package metrics

import (
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// StreamLabel is the label naming the delivery stream (its ARN).
const StreamLabel = "delivery_stream"

// Metrics holds every metric Sluice exports.
type Metrics struct {
	registry *prometheus.Registry

	// Ingest (PutRecord and PutRecordBatch together, as CloudWatch counts).
	IncomingRecords     *prometheus.CounterVec
	IncomingBytes       *prometheus.CounterVec
	IncomingPutRequests *prometheus.CounterVec
	ThrottledRecords    *prometheus.CounterVec
	PutRecordLatency    *prometheus.HistogramVec
	PutBatchLatency     *prometheus.HistogramVec

	// Delivery to S3.
	DeliveryToS3Records       *prometheus.CounterVec
	DeliveryToS3Bytes         *prometheus.CounterVec
	DeliveryToS3Success       *prometheus.GaugeVec
	DeliveryToS3DataFreshness *prometheus.GaugeVec

	// Server-side encryption trouble on the data path.
	KMSKeyAccessDenied *prometheus.CounterVec
	KMSKeyDisabled     *prometheus.CounterVec
	KMSKeyInvalidState *prometheus.CounterVec
	KMSKeyNotFound     *prometheus.CounterVec

	ingest sync.Map // stream ARN → *IngestSeries
}

// IngestSeries are one stream's ingest metrics, looked up once and kept:
// every PutRecord call counts into them, and finding a series by its label
// value hashes the stream's ARN and takes a lock each time.
type IngestSeries struct {
	IncomingRecords     prometheus.Counter
	IncomingBytes       prometheus.Counter
	IncomingPutRequests prometheus.Counter
	ThrottledRecords    prometheus.Counter
	PutRecordLatency    prometheus.Observer
	PutBatchLatency     prometheus.Observer
}

// Ingest returns the ingest series of stream (its ARN).
func (m *Metrics) Ingest(stream string) *IngestSeries {
	if s, ok := m.ingest.Load(stream); ok {
		return s.(*IngestSeries)
	}
	s, _ := m.ingest.LoadOrStore(stream, &IngestSeries{
		IncomingRecords:     m.IncomingRecords.WithLabelValues(stream),
		IncomingBytes:       m.IncomingBytes.WithLabelValues(stream),
		IncomingPutRequests: m.IncomingPutRequests.WithLabelValues(stream),
		ThrottledRecords:    m.ThrottledRecords.WithLabelValues(stream),
		PutRecordLatency:    m.PutRecordLatency.WithLabelValues(stream),
		PutBatchLatency:     m.PutBatchLatency.WithLabelValues(stream),
	})
	return s.(*IngestSeries)
}

// New registers every metric on a fresh registry.
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	counter := func(name, help string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{StreamLabel})
		r.MustRegister(c)
		return c
	}
	gauge := func(name, help string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{StreamLabel})
		r.MustRegister(g)
		return g
	}
	latency := func(name, help string) *prometheus.HistogramVec {
		h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: name, Help: help,
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{StreamLabel})
		r.MustRegister(h)
		return h
	}
	return &Metrics{
		registry:            r,
		IncomingRecords:     counter("IncomingRecords", "Records accepted by PutRecord and PutRecordBatch."),
		IncomingBytes:       counter("IncomingBytes", "Bytes of record data accepted by PutRecord and PutRecordBatch."),
		IncomingPutRequests: counter("IncomingPutRequests", "PutRecord and PutRecordBatch requests that stored at least one record."),
		ThrottledRecords:    counter("ThrottledRecords", "Records refused because the stream exceeded its throughput quota."),
		PutRecordLatency:    latency("PutRecord_Latency", "Seconds to store the record of a PutRecord call durably."),
		PutBatchLatency:     latency("PutRecordBatch_Latency", "Seconds to store the records of a PutRecordBatch call durably."),

		DeliveryToS3Records:       counter("DeliveryToS3_Records", "Records delivered to S3."),
		DeliveryToS3Bytes:         counter("DeliveryToS3_Bytes", "Bytes of record data delivered to S3."),
		DeliveryToS3Success:       gauge("DeliveryToS3_Success", "1 if the last S3 put succeeded, 0 if it failed."),
		DeliveryToS3DataFreshness: gauge("DeliveryToS3_DataFreshness", "Age in seconds of the oldest record not yet delivered to S3."),

		KMSKeyAccessDenied: counter("KMSKeyAccessDenied", "Records that could not be encrypted or decrypted because KMS denied access."),
		KMSKeyDisabled:     counter("KMSKeyDisabled", "Records that could not be encrypted or decrypted because the KMS key is disabled."),
		KMSKeyInvalidState: counter("KMSKeyInvalidState", "Records that could not be encrypted or decrypted because the KMS key is in an invalid state."),
		KMSKeyNotFound:     counter("KMSKeyNotFound", "Records that could not be encrypted or decrypted because the KMS key was not found."),
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Forget drops every series of a deleted delivery stream.
func (m *Metrics) Forget(stream string) {
	m.ingest.Delete(stream)
	labels := prometheus.Labels{StreamLabel: stream}
	for _, c := range []*prometheus.CounterVec{m.IncomingRecords, m.IncomingBytes, m.IncomingPutRequests, m.ThrottledRecords,
		m.DeliveryToS3Records, m.DeliveryToS3Bytes, m.KMSKeyAccessDenied, m.KMSKeyDisabled, m.KMSKeyInvalidState, m.KMSKeyNotFound} {
		c.DeletePartialMatch(labels)
	}
	for _, g := range []*prometheus.GaugeVec{m.DeliveryToS3Success, m.DeliveryToS3DataFreshness} {
		g.DeletePartialMatch(labels)
	}
	for _, h := range []*prometheus.HistogramVec{m.PutRecordLatency, m.PutBatchLatency} {
		h.DeletePartialMatch(labels)
	}
}

// CountKMSFailure counts records that could not be encrypted or decrypted
// because of their KMS key, in the metric of the KMS exception (code).
// Codes that are not about the key are not counted.
func (m *Metrics) CountKMSFailure(stream, code string, records int) {
	if m == nil || records == 0 {
		return
	}
	var c *prometheus.CounterVec
	switch code {
	case "DisabledException":
		c = m.KMSKeyDisabled
	case "NotFoundException":
		c = m.KMSKeyNotFound
	case "KMSInvalidStateException":
		c = m.KMSKeyInvalidState
	case "AccessDeniedException", "InvalidGrantIdException", "InvalidGrantTokenException":
		c = m.KMSKeyAccessDenied
	default:
		return
	}
	c.WithLabelValues(stream).Add(float64(records))
}

package firehosemodel

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/apishape"
)

func TestOperations(t *testing.T) {
	want := []string{
		"CreateDeliveryStream", "DeleteDeliveryStream", "DescribeDeliveryStream", "ListDeliveryStreams",
		"ListTagsForDeliveryStream", "PutRecord", "PutRecordBatch", "StartDeliveryStreamEncryption",
		"StopDeliveryStreamEncryption", "TagDeliveryStream", "UntagDeliveryStream", "UpdateDestination",
	}
	var got []string
	for _, op := range Operations {
		got = append(got, op.Name)
		in := op.NewInput()
		if name := reflect.TypeOf(in).Elem().Name(); name != op.InputShape {
			t.Errorf("%s: NewInput returns %s, want %s", op.Name, name, op.InputShape)
		}
		if op.OutputShape == "" || op.NewOutput == nil {
			t.Errorf("%s: every Firehose operation has an output", op.Name)
		} else if name := reflect.TypeOf(op.NewOutput()).Elem().Name(); name != op.OutputShape {
			t.Errorf("%s: NewOutput returns %s, want %s", op.Name, name, op.OutputShape)
		}
		for _, e := range op.Errors {
			if !strings.HasSuffix(e, "Exception") {
				t.Errorf("%s: error code %q", op.Name, e)
			}
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("operations = %v", got)
	}
	if TargetPrefix != "Firehose_20150804" {
		t.Errorf("TargetPrefix = %q", TargetPrefix)
	}
	faults := 0
	for _, e := range Errors {
		if e.Fault {
			faults++
			if e.Code != ErrCodeServiceUnavailableException {
				t.Errorf("unexpected fault %s", e.Code)
			}
		}
	}
	if len(Errors) != 8 || faults != 1 {
		t.Errorf("Errors = %v", Errors)
	}
}

func TestWireForm(t *testing.T) {
	// Decoding: blobs are standard base64, unknown members are ignored.
	var in PutRecordBatchInput
	if err := json.Unmarshal([]byte(`{"DeliveryStreamName":"s1","Records":[{"Data":"aGVsbG8K"}],"Future":1}`), &in); err != nil {
		t.Fatal(err)
	}
	if string(in.Records[0].Data) != "hello\n" {
		t.Errorf("Data = %q", in.Records[0].Data)
	}
	if err := json.Unmarshal([]byte(`{"Records":[{"Data":"aGVsbG8"}]}`), &in); err == nil {
		t.Error("unpadded base64 decoded; the protocol layer relies on the error for SerializationException")
	}

	// Encoding: absent members are omitted, present zero values (false, an
	// empty list) are kept, timestamps are epoch seconds.
	out := DescribeDeliveryStreamOutput{DeliveryStreamDescription: &DeliveryStreamDescription{
		DeliveryStreamName:   apishape.Ptr("s1"),
		DeliveryStreamStatus: apishape.Ptr(DeliveryStreamStatusActive),
		VersionId:            apishape.Ptr("1"),
		CreateTimestamp:      apishape.Ptr(apishape.NewTimestamp(time.UnixMilli(1640787073718))),
		Destinations:         []DestinationDescription{},
		HasMoreDestinations:  apishape.Ptr(false),
	}}
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"DeliveryStreamDescription":{"DeliveryStreamName":"s1","DeliveryStreamStatus":"ACTIVE",` +
		`"VersionId":"1","CreateTimestamp":1640787073.718,"Destinations":[],"HasMoreDestinations":false}}`
	if string(data) != want {
		t.Errorf("Marshal =\n %s\nwant\n %s", data, want)
	}
}

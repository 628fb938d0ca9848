package delivery_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/cespare/xxhash/v2"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/destination/s3/s3test"
)

const uuidRE = `[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`

// streamCase is one stream of the naming and compression matrix.
type streamCase struct {
	name   string
	format types.CompressionFormat
	mutate func(*types.ExtendedS3DestinationConfiguration)
	// key is the expected object key; {date} is the suffix's
	// yyyy-MM-dd-HH-mm-ss, and the prefix's date parts must agree with it.
	key *regexp.Regexp
	// prefixDate extracts the prefix's yyyy, MM, dd, HH from a key.
	prefixDate func(key string) string
}

func matrix() []streamCase {
	dateOf := func(re string) func(string) string {
		r := regexp.MustCompile(re)
		return func(k string) string {
			m := r.FindStringSubmatch(k)
			if m == nil {
				return ""
			}
			return m[1] + "-" + m[2] + "-" + m[3] + "-" + m[4]
		}
	}
	return []streamCase{
		{
			name: "plain", format: types.CompressionFormatUncompressed,
			key:        regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\d{2}/plain-1-(\d{4}-\d{2}-\d{2}-\d{2})-\d{2}-\d{2}-` + uuidRE + `$`),
			prefixDate: dateOf(`^(\d{4})/(\d{2})/(\d{2})/(\d{2})/`),
		},
		{
			name: "gz", format: types.CompressionFormatGzip,
			mutate: func(c *types.ExtendedS3DestinationConfiguration) {
				c.Prefix = aws.String("logs/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/")
				c.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
			},
			key:        regexp.MustCompile(`^logs/year=\d{4}/month=\d{2}/day=\d{2}/hour=\d{2}/gz-1-(\d{4}-\d{2}-\d{2}-\d{2})-\d{2}-\d{2}-` + uuidRE + `\.gz$`),
			prefixDate: dateOf(`^logs/year=(\d{4})/month=(\d{2})/day=(\d{2})/hour=(\d{2})/`),
		},
		{
			// A prefix without expressions gets the date path appended with
			// no separator; CustomTimeZone moves both dates.
			name: "zipped", format: types.CompressionFormatZip,
			mutate: func(c *types.ExtendedS3DestinationConfiguration) {
				c.Prefix = aws.String("tokyo")
				c.CustomTimeZone = aws.String("Asia/Tokyo")
			},
			key:        regexp.MustCompile(`^tokyo\d{4}/\d{2}/\d{2}/\d{2}/zipped-1-(\d{4}-\d{2}-\d{2}-\d{2})-\d{2}-\d{2}-` + uuidRE + `\.zip$`),
			prefixDate: dateOf(`^tokyo(\d{4})/(\d{2})/(\d{2})/(\d{2})/`),
		},
		{
			name: "snap", format: types.CompressionFormatSnappy,
			mutate: func(c *types.ExtendedS3DestinationConfiguration) {
				c.Prefix = aws.String("s/!{firehose:random-string}/")
				c.ErrorOutputPrefix = aws.String("e/!{firehose:error-output-type}/")
				c.FileExtension = aws.String(".sz")
			},
			key: regexp.MustCompile(`^s/[0-9a-f]{8}-[0-9a-f]{2}/snap-1-(\d{4}-\d{2}-\d{2}-\d{2})-\d{2}-\d{2}-` + uuidRE + `\.sz$`),
		},
		{
			name: "hadoop", format: types.CompressionFormatHadoopSnappy,
			mutate: func(c *types.ExtendedS3DestinationConfiguration) {
				c.Prefix = aws.String("h/")
			},
			key:        regexp.MustCompile(`^h/\d{4}/\d{2}/\d{2}/\d{2}/hadoop-1-(\d{4}-\d{2}-\d{2}-\d{2})-\d{2}-\d{2}-` + uuidRE + `\.snappy$`),
			prefixDate: dateOf(`^h/(\d{4})/(\d{2})/(\d{2})/(\d{2})/`),
		},
	}
}

// deliverMatrix creates every stream of the matrix, puts records, and
// checks every key and every byte read back through s3c.
func deliverMatrix(t *testing.T, srv *apptest.Server, s3c *s3.Client, bucket string) {
	ctx := ctxT(t)
	c := srv.Firehose()
	cases := matrix()
	ledgers := map[string]*ledger{}
	for _, sc := range cases {
		createStream(t, c, sc.name, bucket+"-"+sc.name, func(cfg *types.ExtendedS3DestinationConfiguration) {
			cfg.CompressionFormat = sc.format
			if sc.mutate != nil {
				sc.mutate(cfg)
			}
		})
		l := newLedger()
		for i := 0; i < 5; i++ {
			recs := records(sc.name, i*100, 100)
			putBatch(t, c, sc.name, recs)
			l.add(recs...)
		}
		ledgers[sc.name] = l
	}
	for _, sc := range cases {
		var objects map[string][]byte
		apptest.Eventually(t, waitFor, sc.name+" delivered", func() bool {
			var err error
			objects, err = listAll(ctx, s3c, bucket+"-"+sc.name)
			if err != nil {
				return false
			}
			missing, _, _, err := ledgers[sc.name].check(objects, string(sc.format))
			return err == nil && len(missing) == 0
		})
		missing, dup, extra, err := ledgers[sc.name].check(objects, string(sc.format))
		if err != nil || len(missing) != 0 || len(dup) != 0 || extra != 0 {
			t.Fatalf("%s: err %v, %d missing, %d duplicated, %d extra", sc.name, err, len(missing), len(dup), extra)
		}
		for key := range objects {
			m := sc.key.FindStringSubmatch(key)
			if m == nil {
				t.Fatalf("%s: key %q does not match %s", sc.name, key, sc.key)
			}
			if sc.prefixDate != nil && sc.prefixDate(key) != m[1] {
				t.Fatalf("%s: key %q: prefix date %s differs from the name's %s", sc.name, key, sc.prefixDate(key), m[1])
			}
		}
		// Within an object, records keep their order.
		for key, body := range objects {
			plain, _ := decode(string(sc.format), body)
			recs, _ := splitRecords(plain)
			if !sort.SliceIsSorted(recs, func(i, j int) bool { return recordNumber(recs[i]) < recordNumber(recs[j]) }) {
				t.Fatalf("%s: records out of order in %s", sc.name, key)
			}
		}
	}
}

var numberRE = regexp.MustCompile(`"n":(\d+)`)

func recordNumber(r string) int {
	m := numberRE.FindStringSubmatch(r)
	n := 0
	for _, c := range m[1] {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestDeliveryToRealS3(t *testing.T) {
	gw := s3test.Start(t)
	for _, sc := range matrix() {
		gw.CreateBucket("analytics-" + sc.name)
	}
	srv := apptest.Start(t, withS3(gw))
	deliverMatrix(t, srv, gw.Client(), "analytics")

	// The metrics count what was delivered.
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`DeliveryToS3_Records\{delivery_stream="arn:aws:firehose:us-east-1:000000000000:deliverystream/gz"\} 500`).Match(body) ||
		!bytes.Contains(body, []byte(`DeliveryToS3_Success{delivery_stream="arn:aws:firehose:us-east-1:000000000000:deliverystream/gz"} 1`)) {
		t.Fatalf("metrics:\n%s", grepLines(body, "DeliveryToS3"))
	}
}

func grepLines(b []byte, s string) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// sluiceS3 is an SDK S3 client for the built-in bucket store on the
// server's own port.
func sluiceS3(srv *apptest.Server) *s3.Client {
	return s3.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
	}, func(o *s3.Options) { o.UsePathStyle = true })
}

func TestDeliveryToBuiltInBucketStore(t *testing.T) {
	srv := apptest.Start(t)
	s3c := sluiceS3(srv)
	deliverMatrix(t, srv, s3c, "analytics")

	// Delivery hashes each object as it builds it, and the bucket store
	// takes that hash for the ETag: it must be the hash of every byte
	// stored, in every compression format.
	ctx := ctxT(t)
	for _, sc := range matrix() {
		bucket := "analytics-" + sc.name
		objects, err := listAll(ctx, s3c, bucket)
		if err != nil {
			t.Fatal(err)
		}
		for key, body := range objects {
			head, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf(`"%016x-1"`, xxhash.Sum64(body)); aws.ToString(head.ETag) != want {
				t.Fatalf("%s/%s: ETag %s, want %s (the xxHash64 of its %d bytes)", bucket, key, aws.ToString(head.ETag), want, len(body))
			}
		}
	}
}

func TestBuiltInBucketStoreWithTheAWSCLI(t *testing.T) {
	awsCLI, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the AWS CLI is not installed; CI must run this test")
		}
		t.Skip("the AWS CLI is not installed")
	}
	srv := apptest.Start(t)
	c := srv.Firehose()
	createStream(t, c, "clicks", "analytics", func(cfg *types.ExtendedS3DestinationConfiguration) {
		cfg.Prefix = aws.String("clicks/")
	})
	recs := records("clicks", 0, 50)
	putBatch(t, c, "clicks", recs)
	want := strings.Join(recs, "")

	run := func(args ...string) (string, error) {
		cmd := exec.Command(awsCLI, append([]string{"--endpoint-url", srv.URL}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
		return string(out), err
	}
	cli := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("aws %v: %v", args, err)
		}
		return out
	}
	var key string
	apptest.Eventually(t, waitFor, "object listed by aws s3 ls", func() bool {
		out, err := run("s3", "ls", "s3://analytics/", "--recursive")
		if err != nil {
			return false // the bucket appears with the first object
		}
		fields := strings.Fields(out)
		if len(fields) < 4 {
			return false
		}
		key = fields[len(fields)-1]
		return true
	})
	if !regexp.MustCompile(`^clicks/\d{4}/\d{2}/\d{2}/\d{2}/clicks-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-` + uuidRE + `$`).MatchString(key) {
		t.Fatalf("key %q", key)
	}
	if got := cli("s3", "cp", "s3://analytics/"+key, "-"); got != want {
		t.Fatalf("aws s3 cp: %d bytes, want %d", len(got), len(want))
	}
	if out := cli("s3", "ls"); !strings.Contains(out, "analytics") {
		t.Fatalf("aws s3 ls: %q", out)
	}
	if out := cli("s3", "ls", "s3://analytics/clicks/"); !strings.Contains(out, "PRE ") {
		t.Fatalf("aws s3 ls with a delimiter: %q", out)
	}
	// The object is also a plain file under the data directory.
	raw, err := os.ReadFile(srv.Cfg.DataDir + "/buckets/000000000000/analytics/" + key)
	if err != nil || string(raw) != want {
		t.Fatalf("plain file: %v", err)
	}
}

func TestUpdateDestinationNamesTheNextObjects(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	s3c := sluiceS3(srv)
	createStream(t, c, "upd", "upd", func(cfg *types.ExtendedS3DestinationConfiguration) {
		cfg.Prefix = aws.String("v1/")
	})
	putBatch(t, c, "upd", []string{"first\n"})
	apptest.Eventually(t, waitFor, "first object", func() bool {
		objs, err := listAll(ctxT(t), s3c, "upd")
		return err == nil && len(objs) == 1
	})
	_, err := c.UpdateDestination(ctxT(t), &fh.UpdateDestinationInput{
		DeliveryStreamName:             aws.String("upd"),
		CurrentDeliveryStreamVersionId: aws.String("1"),
		DestinationId:                  aws.String("destinationId-000000000001"),
		ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{
			Prefix:            aws.String("v2/"),
			CompressionFormat: types.CompressionFormatGzip,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var objs map[string][]byte
	// Records put after the update go out under version 2 (the manager
	// sees the change within its poll interval, so keep putting).
	n := 0
	apptest.Eventually(t, waitFor, "an object under version 2", func() bool {
		n++
		putBatch(t, c, "upd", []string{"second\n"})
		var err error
		objs, err = listAll(ctxT(t), s3c, "upd")
		if err != nil {
			return false
		}
		for k := range objs {
			if strings.HasPrefix(k, "v2/") {
				return true
			}
		}
		return false
	})
	for k, body := range objs {
		switch {
		case strings.HasPrefix(k, "v1/"):
			if !strings.Contains(k, "/upd-1-") || strings.HasSuffix(k, ".gz") {
				t.Fatalf("v1 key %q", k)
			}
		case strings.HasPrefix(k, "v2/"):
			if !strings.Contains(k, "/upd-2-") || !strings.HasSuffix(k, ".gz") {
				t.Fatalf("v2 key %q", k)
			}
			if _, err := decode("GZIP", body); err != nil {
				t.Fatalf("v2 object %s: %v", k, err)
			}
		default:
			t.Fatalf("key %q", k)
		}
	}
}

// producer puts batches until stopped, recording what was acknowledged.
type producer struct {
	l       *ledger
	stop    chan struct{}
	done    sync.WaitGroup
	batches atomic.Int64
	errors  atomic.Int64
}

// Records carry tag, so several producers (one per crash round) never put
// the same record twice.
func startProducer(t *testing.T, client func() *fh.Client, stream, tag string, l *ledger, workers int) *producer {
	p := &producer{l: l, stop: make(chan struct{})}
	for w := 0; w < workers; w++ {
		p.done.Add(1)
		go func() {
			defer p.done.Done()
			for i := 0; ; i++ {
				select {
				case <-p.stop:
					return
				default:
				}
				recs := records(stream+"/"+tag, (w<<24)|(i*50), 50)
				in := &fh.PutRecordBatchInput{DeliveryStreamName: aws.String(stream)}
				for _, r := range recs {
					in.Records = append(in.Records, types.Record{Data: []byte(r)})
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				out, err := client().PutRecordBatch(ctx, in)
				cancel()
				if err != nil {
					p.errors.Add(1)
					time.Sleep(10 * time.Millisecond)
					continue
				}
				var ok []string
				for j, e := range out.RequestResponses {
					if e.ErrorCode == nil {
						ok = append(ok, recs[j])
					}
				}
				p.l.add(ok...)
				p.batches.Add(1)
			}
		}()
	}
	return p
}

func (p *producer) halt() {
	close(p.stop)
	p.done.Wait()
}

func TestOutageOfS3LosesAndDuplicatesNothing(t *testing.T) {
	gw := s3test.Start(t)
	gw.CreateBucket("outage")
	srv := apptest.Start(t, withS3(gw))
	c := srv.Firehose()
	createStream(t, c, "steady", "outage", func(cfg *types.ExtendedS3DestinationConfiguration) {
		cfg.CompressionFormat = types.CompressionFormatGzip
	})
	p := startProducer(t, func() *fh.Client { return c }, "steady", "", newLedger(), 4)

	// Load before, during and after an outage of S3.
	apptest.Eventually(t, waitFor, "some delivered objects", func() bool {
		objs, err := gw.Objects(ctxT(t), "outage")
		return err == nil && len(objs) >= 3
	})
	gw.Stop()
	before := p.batches.Load()
	apptest.Eventually(t, waitFor, "puts during the outage", func() bool { return p.batches.Load() >= before+100 })
	time.Sleep(2 * time.Second) // S3 stays down while the runner retries
	gw.Resume()
	after := p.batches.Load()
	apptest.Eventually(t, waitFor, "puts after the outage", func() bool { return p.batches.Load() >= after+100 })
	p.halt()

	var objs map[string][]byte
	apptest.Eventually(t, 2*waitFor, "every acknowledged record delivered", func() bool {
		var err error
		objs, err = gw.Objects(ctxT(t), "outage")
		if err != nil {
			return false
		}
		missing, _, _, err := p.l.check(objs, "GZIP")
		return err == nil && len(missing) == 0
	})
	missing, dup, extra, err := p.l.check(objs, "GZIP")
	if err != nil || len(missing) != 0 || len(dup) != 0 {
		t.Fatalf("err %v, %d missing, %d duplicated across objects", err, len(missing), len(dup))
	}
	t.Logf("checked %d acknowledged records in %d objects (%d delivered records were never acknowledged; %d put errors)",
		p.l.size(), len(objs), extra, p.errors.Load())
}

func TestRestartMidStreamLosesAndDuplicatesNothing(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createStream(t, c, "restart", "restart", func(cfg *types.ExtendedS3DestinationConfiguration) {
		cfg.CompressionFormat = types.CompressionFormatSnappy
		// A 1 s interval keeps batches open across the restart.
		cfg.BufferingHints = &types.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(1)}
	})
	var mu sync.Mutex
	client := c
	current := func() *fh.Client {
		mu.Lock()
		defer mu.Unlock()
		return client
	}
	p := startProducer(t, current, "restart", "", newLedger(), 4)
	for round := 0; round < 3; round++ {
		before := p.batches.Load()
		apptest.Eventually(t, waitFor, "puts before a restart", func() bool { return p.batches.Load() >= before+50 })
		next := srv.Restart()
		mu.Lock()
		srv, client = next, next.Firehose()
		mu.Unlock()
	}
	before := p.batches.Load()
	apptest.Eventually(t, waitFor, "puts after the restarts", func() bool { return p.batches.Load() >= before+50 })
	p.halt()

	var objs map[string][]byte
	apptest.Eventually(t, 2*waitFor, "every acknowledged record delivered", func() bool {
		var err error
		objs, err = listAll(ctxT(t), sluiceS3(srv), "restart")
		if err != nil {
			return false
		}
		missing, _, _, err := p.l.check(objs, "Snappy")
		return err == nil && len(missing) == 0
	})
	missing, dup, extra, err := p.l.check(objs, "Snappy")
	if err != nil || len(missing) != 0 || len(dup) != 0 {
		t.Fatalf("err %v, %d missing, %d duplicated across objects", err, len(missing), len(dup))
	}
	t.Logf("checked %d acknowledged records in %d objects across 3 restarts (%d unacknowledged delivered; %d put errors)",
		p.l.size(), len(objs), extra, p.errors.Load())
}

var _ = context.Background

func TestEncryptedStreamDeliversPlaintext(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createStream(t, c, "sealed", "sealed")
	_, err := c.StartDeliveryStreamEncryption(ctxT(t), &fh.StartDeliveryStreamEncryptionInput{
		DeliveryStreamName: aws.String("sealed"),
		DeliveryStreamEncryptionConfigurationInput: &types.DeliveryStreamEncryptionConfigurationInput{
			KeyType: types.KeyTypeAwsOwnedCmk,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	apptest.Eventually(t, waitFor, "encryption ENABLED", func() bool {
		out, err := c.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("sealed")})
		return err == nil && out.DeliveryStreamDescription.DeliveryStreamEncryptionConfiguration != nil &&
			out.DeliveryStreamDescription.DeliveryStreamEncryptionConfiguration.Status == types.DeliveryStreamEncryptionStatusEnabled
	})
	l := newLedger()
	for i := 0; i < 3; i++ {
		recs := records("sealed", i*10, 10)
		in := &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("sealed")}
		for _, r := range recs {
			in.Records = append(in.Records, types.Record{Data: []byte(r)})
		}
		out, err := c.PutRecordBatch(ctxT(t), in)
		if err != nil || !aws.ToBool(out.Encrypted) {
			t.Fatalf("put: %v, encrypted %v", err, out != nil && aws.ToBool(out.Encrypted))
		}
		l.add(recs...)
	}
	var objs map[string][]byte
	apptest.Eventually(t, waitFor, "plaintext delivered", func() bool {
		var err error
		objs, err = listAll(ctxT(t), sluiceS3(srv), "sealed")
		if err != nil {
			return false
		}
		missing, _, _, err := l.check(objs, "UNCOMPRESSED")
		return err == nil && len(missing) == 0
	})
	if missing, dup, extra, err := l.check(objs, "UNCOMPRESSED"); err != nil || len(missing)+len(dup)+extra != 0 {
		t.Fatalf("err %v, %d missing, %d duplicated, %d extra", err, len(missing), len(dup), extra)
	}
}

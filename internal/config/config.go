package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the whole configuration of a Sluice server.
type Config struct {
	Listen    string
	DataDir   string
	AccountID string
	Region    string

	NatsURL      string
	NatsReplicas int

	// CreateDelay is how long a new delivery stream stays CREATING, and
	// DeleteDelay how long a deleted one stays DELETING, as AWS streams do.
	CreateDelay time.Duration
	DeleteDelay time.Duration
	// MaxStreams is the number of delivery streams one account may have in
	// one region (AWS default quota: 5,000).
	MaxStreams int

	RecordMaxAge   time.Duration
	RecordMaxBytes int64

	// Per-stream Direct PUT throughput quota; 0 turns a limit off.
	QuotaRecordsPerSecond  float64
	QuotaRequestsPerSecond float64
	QuotaBytesPerSecond    float64

	// Credentials are the access keys accepted; with none, Sluice runs in
	// development mode (any well-formed signature is accepted).
	Credentials Credentials
	// Regions, when not empty, are the only regions a request may be
	// signed for.
	Regions []string
	// MaxClockSkew is the largest accepted difference between a request's
	// signing time and the server clock.
	MaxClockSkew time.Duration

	// TLSCert and TLSKey are PEM files; when both are set the port speaks
	// HTTPS only.
	TLSCert string
	TLSKey  string

	// MaxInFlight bounds the API requests served at once (0: no bound);
	// beyond it callers get ServiceUnavailableException, which SDKs retry.
	// Each holds at most one 6 MiB body, so it also bounds request memory.
	MaxInFlight int
	// HTTP server timeouts: headers must arrive within ReadHeaderTimeout
	// (no slowloris), the whole request within ReadTimeout, and an idle
	// keep-alive connection is closed after IdleTimeout.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration

	// EncryptionDelay is how long ENABLING and DISABLING last before the
	// background transition.
	EncryptionDelay time.Duration
	// KMSRootKey (hex or base64, 32 bytes) protects the built-in KMS's key
	// material; without it a 0600 file in the data directory is used.
	// Prefer the SLUICE_KMS_ROOT_KEY environment variable to the flag.
	KMSRootKey string
	// KMSEndpoint, when set, makes server-side encryption use that
	// KMS-compatible endpoint (AWS KMS or an emulator) instead of the
	// built-in KMS, which is still served on the port. KMSRegion is the
	// region its calls are signed for (default: Region); KMSAccessKey and
	// KMSSecretKey are its credentials (default: the AWS SDK's chain,
	// AWS_ACCESS_KEY_ID and friends).
	KMSEndpoint  string
	KMSRegion    string
	KMSAccessKey string
	KMSSecretKey string

	// S3Endpoint, when set, makes S3 destinations write to that
	// S3-compatible endpoint (AWS S3, versitygw, MinIO, ...) instead of the
	// built-in bucket store under the data directory. S3Region signs its
	// calls (default: Region), S3PathStyle addresses buckets as
	// /<bucket>/<key>, and S3AccessKey / S3SecretKey are its credentials
	// (default: the AWS SDK's chain, AWS_ACCESS_KEY_ID and friends).
	S3Endpoint  string
	S3Region    string
	S3PathStyle bool
	S3AccessKey string
	S3SecretKey string

	LogLevel  string
	LogFormat string

	// MemoryLimit is the Go runtime's soft memory limit in bytes (0: none).
	// The collector works harder as the heap nears it, instead of letting
	// the heap double before each collection; a GOMEMLIMIT environment
	// variable takes precedence.
	MemoryLimit int64

	// MaxProcs is how many goroutines run at once (the runtime's
	// GOMAXPROCS); 0 means the CPUs available plus two, for the threads
	// blocked in disk writes (cmd/sluice says why). A GOMAXPROCS
	// environment variable takes precedence.
	MaxProcs int

	// Pprof serves Go's /debug/pprof handlers on the listen port, for
	// profiling; off by default because it exposes internals.
	Pprof bool

	// ConfigFile is the YAML file the other values were read from, if any.
	ConfigFile string
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		Listen:            "127.0.0.1:4573",
		DataDir:           "./sluice-data",
		AccountID:         "000000000000",
		Region:            "us-east-1",
		NatsReplicas:      1,
		CreateDelay:       time.Second,
		DeleteDelay:       time.Second,
		MaxStreams:        5000,
		RecordMaxAge:      24 * time.Hour,
		RecordMaxBytes:    10 << 30,
		MaxClockSkew:      5 * time.Minute,
		MaxInFlight:       256,
		MemoryLimit:       200 << 20,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		EncryptionDelay:   time.Second,
		S3PathStyle:       true,
		LogLevel:          "info",
		LogFormat:         "text",
	}
}

// FlagSet registers every option on a new flag set bound to c. The values
// already in c are the flags' defaults.
func (c *Config) FlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&c.ConfigFile, "config", c.ConfigFile, "YAML configuration file")
	fs.StringVar(&c.Listen, "listen", c.Listen, "address to serve the AWS APIs, /metrics and /healthz on")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for JetStream files, the built-in bucket store and keys")
	fs.StringVar(&c.AccountID, "account-id", c.AccountID, "12-digit account id of callers whose access key maps to no account")
	fs.StringVar(&c.Region, "region", c.Region, "region of requests that carry no SigV4 credential scope")
	fs.StringVar(&c.NatsURL, "nats-url", c.NatsURL, "external NATS cluster URL (default: embedded JetStream)")
	fs.IntVar(&c.NatsReplicas, "nats-replicas", c.NatsReplicas, "JetStream replicas of buckets and the record log on an external cluster")
	fs.DurationVar(&c.CreateDelay, "create-delay", c.CreateDelay, "time a new delivery stream stays CREATING")
	fs.DurationVar(&c.DeleteDelay, "delete-delay", c.DeleteDelay, "time a deleted delivery stream stays DELETING")
	fs.IntVar(&c.MaxStreams, "max-streams", c.MaxStreams, "delivery streams per account and region")
	fs.DurationVar(&c.RecordMaxAge, "record-max-age", c.RecordMaxAge, "how long undelivered records are kept")
	fs.Int64Var(&c.RecordMaxBytes, "record-max-bytes", c.RecordMaxBytes, "disk budget of stored records; puts fail with ServiceUnavailableException when full (0: no limit)")
	fs.Float64Var(&c.QuotaRecordsPerSecond, "quota-records-per-second", c.QuotaRecordsPerSecond, "per-stream PutRecord(Batch) records/s quota (0: off; AWS default 500000)")
	fs.Float64Var(&c.QuotaRequestsPerSecond, "quota-requests-per-second", c.QuotaRequestsPerSecond, "per-stream PutRecord(Batch) requests/s quota (0: off; AWS default 2000)")
	fs.Float64Var(&c.QuotaBytesPerSecond, "quota-bytes-per-second", c.QuotaBytesPerSecond, "per-stream PutRecord(Batch) bytes/s quota (0: off; AWS default 5 MiB)")
	fs.Var(&c.Credentials, "credentials", "accepted access keys, ACCESS_KEY:SECRET[:ACCOUNT], repeatable or comma-separated (none: development mode, any signature accepted)")
	fs.Var((*stringList)(&c.Regions), "regions", "regions requests may be signed for, comma-separated (default: any)")
	fs.DurationVar(&c.MaxClockSkew, "max-clock-skew", c.MaxClockSkew, "largest accepted difference between a request's signing time and the server clock")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "PEM certificate file; with --tls-key, serve HTTPS")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "PEM private key file of --tls-cert")
	fs.IntVar(&c.MaxInFlight, "max-in-flight", c.MaxInFlight, "API requests served at once; beyond it ServiceUnavailableException (0: no bound)")
	fs.Int64Var(&c.MemoryLimit, "memory-limit", c.MemoryLimit, "soft memory limit of the Go runtime in bytes; GOMEMLIMIT takes precedence (0: none)")
	fs.IntVar(&c.MaxProcs, "max-procs", c.MaxProcs, "goroutines running at once (Go's GOMAXPROCS); GOMAXPROCS takes precedence (0: the CPUs available + 2)")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", c.ReadHeaderTimeout, "time a client has to send a request's headers")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "time a client has to send a whole request, body included")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "time an idle keep-alive connection is kept open")
	fs.DurationVar(&c.EncryptionDelay, "encryption-delay", c.EncryptionDelay, "time StartDeliveryStreamEncryption/StopDeliveryStreamEncryption stay ENABLING/DISABLING")
	fs.StringVar(&c.KMSRootKey, "kms-root-key", c.KMSRootKey, "root key of the built-in KMS, hex or base64 (default: <data-dir>/kms-root.key); prefer SLUICE_KMS_ROOT_KEY")
	fs.StringVar(&c.KMSEndpoint, "kms-endpoint", c.KMSEndpoint, "URL of an external KMS-compatible endpoint for server-side encryption (default: the built-in KMS)")
	fs.StringVar(&c.KMSRegion, "kms-region", c.KMSRegion, "region of --kms-endpoint (default: --region)")
	fs.StringVar(&c.KMSAccessKey, "kms-access-key", c.KMSAccessKey, "access key for --kms-endpoint (default: AWS_ACCESS_KEY_ID and the AWS SDK's credential chain)")
	fs.StringVar(&c.KMSSecretKey, "kms-secret-key", c.KMSSecretKey, "secret key for --kms-endpoint; prefer SLUICE_KMS_SECRET_KEY")
	fs.StringVar(&c.S3Endpoint, "s3-endpoint", c.S3Endpoint, "URL of an S3-compatible endpoint for S3 destinations (default: the built-in bucket store under <data-dir>/buckets)")
	fs.StringVar(&c.S3Region, "s3-region", c.S3Region, "region of --s3-endpoint (default: --region)")
	fs.BoolVar(&c.S3PathStyle, "s3-path-style", c.S3PathStyle, "address buckets path-style (<endpoint>/<bucket>/<key>) on --s3-endpoint")
	fs.StringVar(&c.S3AccessKey, "s3-access-key", c.S3AccessKey, "access key for --s3-endpoint (default: AWS_ACCESS_KEY_ID and the AWS SDK's credential chain)")
	fs.StringVar(&c.S3SecretKey, "s3-secret-key", c.S3SecretKey, "secret key for --s3-endpoint; prefer SLUICE_S3_SECRET_KEY")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json")
	fs.BoolVar(&c.Pprof, "pprof", c.Pprof, "serve /debug/pprof/ on the listen port (profiling only: it exposes internals)")
	return fs
}

// Load builds the configuration from args (without the program name),
// the environment (through getenv) and the YAML file named by --config or
// SLUICE_CONFIG.
func Load(args []string, getenv func(string) string) (Config, error) {
	c := Defaults()
	fs := c.FlagSet("sluice serve")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })

	if !explicit["config"] {
		if v := getenv(EnvName("config")); v != "" {
			c.ConfigFile = v
		}
	}
	fileValues, err := readYAML(c.ConfigFile)
	if err != nil {
		return c, err
	}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if explicit[f.Name] || f.Name == "config" {
			return
		}
		if v, ok := lookupEnv(getenv, EnvName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("config: %s: %w", EnvName(f.Name), err))
			}
			return
		}
		if v, ok := fileValues[f.Name]; ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("config: %s in %s: %w", f.Name, c.ConfigFile, err))
			}
			delete(fileValues, f.Name)
		}
	})
	for name := range fileValues {
		if fs.Lookup(name) == nil {
			errs = append(errs, fmt.Errorf("config: unknown option %q in %s", name, c.ConfigFile))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// EnvName is the environment variable of an option.
func EnvName(option string) string {
	return "SLUICE_" + strings.ToUpper(strings.ReplaceAll(option, "-", "_"))
}

func lookupEnv(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

func readYAML(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("config: parse %s: %w", path, err)
	}
	out := make(map[string]string, len(doc))
	for k, v := range doc {
		out[k] = yamlValue(v)
	}
	return out, nil
}

// yamlValue renders a YAML value as the flag text: a list becomes the
// comma-separated form list options (credentials, regions) accept.
func yamlValue(v any) string {
	list, ok := v.([]any)
	if !ok {
		return fmt.Sprint(v)
	}
	items := make([]string, len(list))
	for i, item := range list {
		items[i] = fmt.Sprint(item)
	}
	return strings.Join(items, ",")
}

var (
	accountPattern = regexp.MustCompile(`^\d{12}$`)
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
)

// Validate reports every invalid value at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("config: listen %q: %w", c.Listen, err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("config: data-dir must not be empty"))
	}
	if !accountPattern.MatchString(c.AccountID) {
		errs = append(errs, fmt.Errorf("config: account-id %q must be 12 digits", c.AccountID))
	}
	if !regionPattern.MatchString(c.Region) {
		errs = append(errs, fmt.Errorf("config: region %q is not a region name", c.Region))
	}
	if c.NatsReplicas < 1 || c.NatsReplicas > 5 {
		errs = append(errs, fmt.Errorf("config: nats-replicas %d must be 1 to 5", c.NatsReplicas))
	}
	if c.CreateDelay < 0 || c.DeleteDelay < 0 || c.EncryptionDelay < 0 {
		errs = append(errs, errors.New("config: create-delay, delete-delay and encryption-delay must not be negative"))
	}
	if c.MaxStreams < 1 {
		errs = append(errs, errors.New("config: max-streams must be at least 1"))
	}
	if c.RecordMaxAge <= 0 {
		errs = append(errs, errors.New("config: record-max-age must be positive"))
	}
	if c.RecordMaxBytes < 0 {
		errs = append(errs, errors.New("config: record-max-bytes must not be negative"))
	}
	if c.QuotaRecordsPerSecond < 0 || c.QuotaRequestsPerSecond < 0 || c.QuotaBytesPerSecond < 0 {
		errs = append(errs, errors.New("config: quotas must not be negative"))
	}
	errs = append(errs, c.Credentials.validate()...)
	for _, r := range c.Regions {
		if !regionPattern.MatchString(r) {
			errs = append(errs, fmt.Errorf("config: regions: %q is not a region name", r))
		}
	}
	if c.MaxClockSkew <= 0 {
		errs = append(errs, errors.New("config: max-clock-skew must be positive"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("config: tls-cert and tls-key must be set together"))
	}
	if c.MaxInFlight < 0 {
		errs = append(errs, errors.New("config: max-in-flight must not be negative"))
	}
	if c.MemoryLimit < 0 {
		errs = append(errs, errors.New("config: memory-limit must not be negative"))
	}
	if c.MaxProcs < 0 {
		errs = append(errs, errors.New("config: max-procs must not be negative"))
	}
	if c.ReadHeaderTimeout <= 0 || c.ReadTimeout <= 0 || c.IdleTimeout <= 0 {
		errs = append(errs, errors.New("config: read-header-timeout, read-timeout and idle-timeout must be positive"))
	}
	errs = append(errs, c.validateKMS()...)
	errs = append(errs, c.validateS3()...)
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("config: log-level %q must be debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("config: log-format %q must be text or json", c.LogFormat))
	}
	return errors.Join(errs...)
}

// validateKMS checks the external KMS options.
func (c Config) validateKMS() []error {
	var errs []error
	if c.KMSEndpoint != "" {
		if u, err := url.Parse(c.KMSEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("config: kms-endpoint %q must be an http or https URL", c.KMSEndpoint))
		}
	}
	if c.KMSRegion != "" && !regionPattern.MatchString(c.KMSRegion) {
		errs = append(errs, fmt.Errorf("config: kms-region %q is not a region name", c.KMSRegion))
	}
	if (c.KMSAccessKey == "") != (c.KMSSecretKey == "") {
		errs = append(errs, errors.New("config: kms-access-key and kms-secret-key must be set together"))
	}
	return errs
}

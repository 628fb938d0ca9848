package config

import (
	"errors"
	"fmt"
	"net/url"
)

// validateS3 checks the external S3 endpoint options.
func (c Config) validateS3() []error {
	var errs []error
	if c.S3Endpoint != "" {
		if u, err := url.Parse(c.S3Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("config: s3-endpoint %q must be an http or https URL", c.S3Endpoint))
		}
	}
	if c.S3Region != "" && !regionPattern.MatchString(c.S3Region) {
		errs = append(errs, fmt.Errorf("config: s3-region %q is not a region name", c.S3Region))
	}
	if (c.S3AccessKey == "") != (c.S3SecretKey == "") {
		errs = append(errs, errors.New("config: s3-access-key and s3-secret-key must be set together"))
	}
	return errs
}

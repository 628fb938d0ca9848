package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/certgen"
)

// genCert implements `sluice gen-cert`: a self-signed certificate and key for local HTTPS, to
// pass to `sluice serve --tls-cert DIR/cert.pem --tls-key DIR/key.pem`.
func genCert(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sluice gen-cert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	outDir := fs.String("out-dir", "", "directory to write cert.pem and key.pem (0600) into (required)")
	hosts := fs.String("host", "127.0.0.1,::1,localhost", "comma-separated IP addresses and DNS names the certificate is valid for")
	validFor := fs.Duration("valid-for", certgen.DefaultValidFor, "validity period")
	force := fs.Bool("force", false, "replace existing files")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *outDir == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: sluice gen-cert --out-dir DIR [--host 127.0.0.1,localhost] [--valid-for 8760h] [--force]")
		return 2
	}
	pair, err := certgen.Generate(certgen.Options{Hosts: strings.Split(*hosts, ","), ValidFor: *validFor, Now: time.Now()})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	certPath, keyPath, err := certgen.WriteFiles(*outDir, pair, *force)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s and %s (self-signed, for local use)\n", certPath, keyPath)
	fmt.Fprintf(stdout, "serve:   sluice serve --tls-cert %s --tls-key %s\n", certPath, keyPath)
	fmt.Fprintf(stdout, "clients: trust %s (AWS CLI: --ca-bundle; boto3: verify=; Node: NODE_EXTRA_CA_CERTS; Go: a cert pool)\n", certPath)
	return 0
}

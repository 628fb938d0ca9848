// Package certgen makes a self-signed TLS certificate and key for running Sluice over HTTPS on
// a developer's machine (`sluice gen-cert`). Some producers, Fluent Bit's Firehose output among
// them, only speak HTTPS; production deployments should use a certificate from a real CA.
//
// The key is ECDSA P-256, written PKCS#8 PEM with mode 0600.
//
// This package must import nothing from the rest of Sluice.
package certgen

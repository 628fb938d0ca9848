package e2e

import "testing"

// TestCLIEncryptionScript runs cli_encryption.sh: server-side encryption
// with the built-in KMS through the AWS CLI, from create-key to
// stop-delivery-stream-encryption, including a disabled key refusing puts.
func TestCLIEncryptionScript(t *testing.T) {
	runScript(t, "cli_encryption.sh")
}

// Package auth decides who a request comes from: it is the awsproto.Authenticator of the
// running server, backed by the SigV4 verifier in internal/sigv4.
//
// It adds to the verifier what a verifier cannot know: which account an access key acts for,
// what region names are acceptable, what development mode lets through, and how a refusal is
// rendered (the verifier's *sigv4.Error becomes an *awsproto.Error with the same code, message
// and HTTP status). One Authenticator serves every signing name on the port: "firehose" and
// "kms" through awsproto.Server, and "s3" for the bucket-store API, which calls Authenticate
// itself and renders the error as S3 XML.
//
// Accounts:
//   - With credentials configured, a key's account is the one configured with it, or the
//     default account (--account-id) when none was.
//   - Development mode (no credentials): any well-formed signature is accepted, whatever
//     secret made it. An access key ID of exactly 12 digits acts as that account, so two local
//     tools can play two accounts; any other key acts as the default account. A request with no
//     signature at all (curl) is accepted as the default account in the default region.
//
// Regions: with an allow-list (--regions) the verifier refuses any other; without one, the
// scope's region must still look like an AWS region name (us-east-1, us-gov-west-1), because
// it ends up in ARNs and storage keys.
//
// Secrets: nothing here logs a secret. Refusals are logged at debug level with the access key
// ID, the scope and, for a signature mismatch, the canonical request and string to sign the
// server computed, with any session token value removed.
//
// This package may import internal/sigv4 and internal/awsproto only; it must not import any
// domain, storage or generated-model package.
package auth

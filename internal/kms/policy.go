package kms

import (
	"context"
	"encoding/json"
	"strings"
)

// defaultKeyPolicy is the policy AWS gives a key created without one,
// byte for byte (AWS pretty-prints it with " : ").
func defaultKeyPolicy(partition, account string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "` + issuingAccount(partition, account) + `"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`
}

// checkPolicy accepts any JSON object. Policies are stored and returned,
// never evaluated, so there is nothing more to check.
func checkPolicy(policy string) error {
	var doc map[string]any
	if err := json.Unmarshal([]byte(policy), &doc); err != nil || doc == nil {
		return errorf(CodeMalformedPolicy, "The key policy is not a valid JSON document.")
	}
	return nil
}

func policyName(name string) string {
	if strings.TrimSpace(name) == "" {
		return DefaultPolicyName
	}
	return name
}

// GetKeyPolicy returns a key's policy (key id or key ARN). The only policy
// name is "default" (also what an empty name means).
func (s *Service) GetKeyPolicy(ctx context.Context, c Caller, keyID, name string) (policy, policyNameOut string, err error) {
	ck, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return "", "", err
	}
	if policyName(name) != DefaultPolicyName {
		return "", "", errorf(CodeNotFound, "No such policy exists")
	}
	return ck.rec.Policy, DefaultPolicyName, nil
}

// PutKeyPolicy replaces a key's policy. The policy is stored, never
// enforced: Sluice authorises by account, not by key policy.
func (s *Service) PutKeyPolicy(ctx context.Context, c Caller, keyID, name, policy string) error {
	if policyName(name) != DefaultPolicyName {
		return errorf(CodeUnsupportedOperation, "Only the default policy is supported")
	}
	if err := checkPolicy(policy); err != nil {
		return err
	}
	_, err := s.updateKey(ctx, c, keyID, OpPutKeyPolicy, func(r *keyRecord) (bool, error) {
		if r.Policy == policy {
			return false, nil
		}
		r.Policy = policy
		return true, nil
	})
	return err
}

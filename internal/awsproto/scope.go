package awsproto

import (
	"net/http"
	"strings"
)

// ScopeAuthenticator accepts every request and takes the caller's access key
// and region from the SigV4 credential scope without checking the
// signature; the account is looked up from the access key, or is the
// default account. It serves handler tests that need no SigV4; the server
// itself uses internal/auth, which verifies signatures.
type ScopeAuthenticator struct {
	DefaultAccount string
	DefaultRegion  string
	// Accounts maps access key ids to account ids; may be nil.
	Accounts map[string]string
}

func (a ScopeAuthenticator) Authenticate(r *http.Request, _ []byte, _ string) (Identity, error) {
	id := Identity{AccountID: a.DefaultAccount, Region: a.DefaultRegion}
	akid, region := CredentialScope(r)
	if region != "" {
		id.Region = region
	}
	id.AccessKeyID = akid
	if acct, ok := a.Accounts[akid]; ok {
		id.AccountID = acct
	}
	return id, nil
}

// CredentialScope extracts the access key id and region from the
// Authorization header ("Credential=AKID/date/region/service/aws4_request")
// or the presigned X-Amz-Credential query parameter. It returns empty
// strings when the request carries none.
func CredentialScope(r *http.Request) (accessKeyID, region string) {
	cred := ""
	if h := r.Header.Get("Authorization"); h != "" {
		if i := strings.Index(h, "Credential="); i >= 0 {
			cred = h[i+len("Credential="):]
			if j := strings.IndexAny(cred, ", "); j >= 0 {
				cred = cred[:j]
			}
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return "", ""
	}
	return parts[0], parts[2]
}

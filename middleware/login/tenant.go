package login

import (
	"fmt"

	"github.com/gatehouse-go/gatehouse/verify"
)

// errIssuerChanged refuses a refreshed ID token from another issuer than
// the session's. With a multi-tenant provider (verify.IssuerTemplate) every
// tenant's issuer is trusted, so the verifier alone would let a refresh
// move a session to another tenant; OpenID Connect Core §12.2 requires the
// same iss.
var errIssuerChanged = fmt.Errorf("%w: the refreshed ID token names another issuer than the session's", verify.ErrInvalid)

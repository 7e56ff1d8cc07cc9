package endpoint

import (
	"errors"
	"fmt"

	"github.com/gatehouse-go/gatehouse/verify"
)

// Explain adds to a token endpoint's invalid_client answer the client
// authentication method in use and the other one to try: providers
// advertise client_secret_basic yet accept only client_secret_post (or the
// reverse), and their answer alone names neither. The ProviderError stays
// reachable with errors.As.
func Explain(s verify.AuthStyle, err error) error {
	var pe *verify.ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_client" {
		return err
	}
	if s == verify.PrivateKeyJWT {
		return fmt.Errorf("%w (the client authenticated with private_key_jwt: check that the provider has ClientKey's public key, with its KeyID, and takes the token endpoint as the assertion's audience, else set ClientKey.Audience)", err)
	}
	other := "ClientSecretPost (client_secret_post)"
	if s == verify.ClientSecretPost {
		other = "ClientSecretBasic (client_secret_basic)"
	}
	return fmt.Errorf("%w (the client authenticated with %s: check the client ID and secret, or set AuthStyle to %s if the provider accepts only that)", err, s, other)
}

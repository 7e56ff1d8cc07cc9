package login

import (
	"fmt"
	"net/url"

	"github.com/gatehouse-go/gatehouse/middleware/internal/endpoint"
)

// secretAuth is the FormAuth of Config.ClientSecretFunc: client_id and the
// current secret as client_secret.
func secretAuth(clientID string, secret func() (string, error)) endpoint.FormAuth {
	return func(form url.Values) error {
		s, err := secret()
		if err != nil {
			return fmt.Errorf("login: Config.ClientSecretFunc: %w", err)
		}
		form.Set("client_id", clientID)
		form.Set("client_secret", s)
		return nil
	}
}

// secret is the client secret in use, for redaction: ClientSecretFunc's
// current one when set.
func (a *Auth) secret() string {
	if a.c.ClientSecretFunc != nil {
		s, _ := a.c.ClientSecretFunc()
		return s
	}
	return a.c.ClientSecret
}

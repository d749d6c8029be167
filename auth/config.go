package auth

import "callboard/config"

// SessionConfig is auth.session.
type SessionConfig struct {
	// Secret keys the session store: it keeps HMAC-SHA256(secret, token)
	// instead of the token's SHA-256, so a new secret ends every session
	// (Backstage's key, which signs its session cookie).
	Secret string `yaml:"secret"`
	// AbsoluteLifetime ends every session this long after sign-in,
	// whatever the provider's sessionDuration; default 7 days.
	AbsoluteLifetime config.Duration `yaml:"absoluteLifetime"`
}

// GitHubConfig is auth.providers.github.<env>, as Backstage reads it.
type GitHubConfig struct {
	ClientID     string `yaml:"clientId"`
	ClientSecret string `yaml:"clientSecret"`
	// EnterpriseInstanceURL is a GitHub Enterprise Server, e.g.
	// https://ghe.example.com; empty means github.com.
	EnterpriseInstanceURL string   `yaml:"enterpriseInstanceUrl"`
	CallbackURL           string   `yaml:"callbackUrl"`
	AdditionalScopes      []string `yaml:"additionalScopes"`
	SignIn                SignIn   `yaml:"signIn"`
	// SessionDuration is how long a portal session lasts (default 7 days).
	SessionDuration config.Duration `yaml:"sessionDuration"`
}

// OIDCConfig is auth.providers.oidc.<env>, as Backstage reads it.
type OIDCConfig struct {
	// MetadataURL is the provider's discovery document,
	// https://idp.example.com/.well-known/openid-configuration.
	MetadataURL  string `yaml:"metadataUrl"`
	ClientID     string `yaml:"clientId"`
	ClientSecret string `yaml:"clientSecret"`
	CallbackURL  string `yaml:"callbackUrl"`
	// Scope is space separated; default "openid profile email".
	Scope            string   `yaml:"scope"`
	AdditionalScopes []string `yaml:"additionalScopes"`
	// Prompt is sent as the prompt parameter unless empty or "auto".
	Prompt          string          `yaml:"prompt"`
	SignIn          SignIn          `yaml:"signIn"`
	SessionDuration config.Duration `yaml:"sessionDuration"`
	// Keys of Backstage's OIDC provider that callboard accepts and ignores
	// (go-oidc picks the auth method and checks the algorithm itself).
	TokenEndpointAuthMethod any `yaml:"tokenEndpointAuthMethod"`
	TokenSignedResponseAlg  any `yaml:"tokenSignedResponseAlg"`
	Timeout                 any `yaml:"timeout"`
}

// GuestConfig is auth.providers.guest. Outside auth.environment
// development it is refused unless DangerouslyAllowOutsideDevelopment.
type GuestConfig struct {
	// UserEntityRef is who a guest is; default user:development/guest.
	UserEntityRef string `yaml:"userEntityRef"`
	// OwnershipEntityRefs, when set, replace the refs computed from the
	// user's memberOf relations.
	OwnershipEntityRefs                []string `yaml:"ownershipEntityRefs"`
	DangerouslyAllowOutsideDevelopment bool     `yaml:"dangerouslyAllowOutsideDevelopment"`
}

// SignIn lists the sign-in resolvers, tried in order.
type SignIn struct {
	Resolvers []ResolverConfig `yaml:"resolvers"`
}

// ResolverConfig is one entry of signIn.resolvers.
type ResolverConfig struct {
	// Resolver is a Backstage resolver name: usernameMatchingUserEntityName,
	// emailMatchingUserEntityProfileEmail,
	// emailLocalPartMatchingUserEntityName or
	// userIdMatchingUserEntityAnnotation.
	Resolver string `yaml:"resolver"`
	// AllowedDomains limits emailLocalPartMatchingUserEntityName to these
	// email domains.
	AllowedDomains []string `yaml:"allowedDomains"`
	// DangerouslyAllowSignInWithoutUserInCatalog signs in a user the
	// catalog does not know as user:default/<name>, owning only itself.
	DangerouslyAllowSignInWithoutUserInCatalog bool `yaml:"dangerouslyAllowSignInWithoutUserInCatalog"`
}

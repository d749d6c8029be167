package scaffold

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"

	"callboard"
)

// SecretBox encrypts task secrets (AES-256-GCM) before they reach the
// database, so that a task that needs them can resume in another process
// without them ever being stored in clear.
type SecretBox struct{ aead cipher.AEAD }

// NewSecretBox returns a box keyed by key (any string from the config;
// it is hashed to 256 bits). An empty key is Invalid.
func NewSecretBox(key string) (*SecretBox, error) {
	if key == "" {
		return nil, callboard.Errorf(callboard.Invalid, "scaffolder secrets key is empty")
	}
	sum := sha256.Sum256([]byte(key))
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		return nil, callboard.Wrap(callboard.Internal, err, "secrets cipher")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, callboard.Wrap(callboard.Internal, err, "secrets cipher")
	}
	return &SecretBox{aead: aead}, nil
}

// Seal encrypts secrets; nil for none.
func (b *SecretBox) Seal(secrets map[string]string) ([]byte, error) {
	if len(secrets) == 0 {
		return nil, nil
	}
	plain, err := json.Marshal(secrets)
	if err != nil {
		return nil, callboard.Wrap(callboard.Internal, err, "encode secrets")
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, callboard.Wrap(callboard.Internal, err, "nonce")
	}
	return b.aead.Seal(nonce, nonce, plain, nil), nil
}

// Open decrypts what Seal returned. A wrong key is Invalid.
func (b *SecretBox) Open(sealed []byte) (map[string]string, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n {
		return nil, callboard.Errorf(callboard.Invalid, "stored secrets are truncated")
	}
	plain, err := b.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, callboard.Errorf(callboard.Invalid, "stored secrets do not decrypt with this scaffolder secrets key")
	}
	var out map[string]string
	if err := json.Unmarshal(plain, &out); err != nil {
		return nil, callboard.Wrap(callboard.Internal, err, "decode secrets")
	}
	return out, nil
}

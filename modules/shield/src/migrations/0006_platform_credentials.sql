-- A tenant's own connection to an ad platform (docs/shield.md, "Ad-platform credentials"): the
-- grant SyncFlow bids with for that tenant. Google Ads: the OAuth refresh token of a user with
-- access to the tenant's accounts (and the manager account to call through); Meta: a system
-- user's access token. The app's own credentials (Google's developer token and OAuth client)
-- stay the install's settings.
CREATE TABLE shield_platform_credentials (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  platform text NOT NULL CHECK (platform IN ('google_ads', 'meta')),
  -- the credential's JSON sealed by the install's key ring (AES-256-GCM, bound to tenant and
  -- platform): `kmysec1:<key id>:<nonce>:<ciphertext>`; never the secret itself
  sealed text NOT NULL CHECK (sealed LIKE 'kmysec1:%'),
  -- what identifies it to a person without revealing it: the secret's last four characters
  hint text NOT NULL CHECK (char_length(hint) <= 64),
  login_customer_id text CHECK (login_customer_id ~ '^[0-9]{10}$'),
  -- whose grant the platform said it is when it was checked, on saving (a user or system user,
  -- the customers it reaches), and when
  identity text NOT NULL CHECK (char_length(identity) <= 500),
  verified_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, platform)
);
SELECT tenant_owned('shield_platform_credentials');

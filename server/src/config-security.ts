/**
 * The security settings: bearer tokens (`--auth-token`, `--auth-tokens-file`) and TLS material
 * (`--tls-cert`, `--tls-key`, `--tls-client-ca`), read and checked at start so that a bad file
 * fails there, naming the setting. No error message ever quotes a token.
 */
import { createPrivateKey } from 'node:crypto';
import { ConfigError, readSettingFile, type Setting } from './config-values.js';
import { readPemCertificates, type PemCertificate } from './pem-certificates.js';
import { AUTH_SCOPES, isValidToken, type AuthScope, type AuthToken } from './transport/auth.js';

/** The broker's TLS material, PEM-encoded. */
export interface TlsConfig {
  /** The server's certificate chain (leaf first). */
  cert: Buffer;
  /** The private key of `cert`. */
  key: Buffer;
  /** When set, clients must present a certificate signed by one of these CAs (mutual TLS). */
  clientCa?: Buffer;
}

/**
 * The tokens of `--auth-token` (scope all) and of `--auth-tokens-file`, both if both are given
 * (handy while rotating). No error message ever quotes a token.
 */
export function loadAuthTokens(single: Setting | undefined, file: Setting | undefined): AuthToken[] | undefined {
  if (!single && !file) return undefined;
  const tokens: AuthToken[] = [];
  if (single) {
    if (!isValidToken(single.value)) throw new ConfigError(`${single.source}: a token must be printable ASCII without spaces`);
    tokens.push({ token: single.value, scope: 'all' });
  }
  if (file) tokens.push(...parseTokensFile(readSettingFile(file).toString('utf8'), `${file.source} ${file.value}`));
  return tokens;
}

/**
 * Parses a tokens file: one token per line, optionally followed by its scope (`producer`,
 * `worker` or `all`, default `all`); blank lines and comments (`#` at the start of a line or
 * after a space) are ignored.
 *
 * @param source - names the file in errors, e.g. `--auth-tokens-file ./tokens`
 * @throws ConfigError naming the line at fault (never the token), or for a file without tokens
 */
export function parseTokensFile(text: string, source: string): AuthToken[] {
  const tokens: AuthToken[] = [];
  const lineOf = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const fields = raw.replace(/(^|\s)#.*$/, '').trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) return;
    const where = `${source}: line ${i + 1}`;
    if (fields.length > 2) throw new ConfigError(`${where}: expected "TOKEN [SCOPE]", got ${fields.length} fields`);
    const [token, scope = 'all'] = fields as [string, string?];
    if (!isValidToken(token)) throw new ConfigError(`${where}: a token must be printable ASCII without spaces`);
    if (!(AUTH_SCOPES as readonly string[]).includes(scope)) {
      throw new ConfigError(`${where}: unknown scope "${scope}" (expected ${AUTH_SCOPES.join(', ')})`);
    }
    const first = lineOf.get(token);
    if (first !== undefined) throw new ConfigError(`${where}: the same token as line ${first}`);
    lineOf.set(token, i + 1);
    tokens.push({ token, scope: scope as AuthScope });
  });
  if (tokens.length === 0) throw new ConfigError(`${source}: holds no tokens (authentication would refuse every call)`);
  return tokens;
}

/** Reads and checks the TLS files, so that a wrong path or a key that does not fit fails at start, naming the setting. */
export function loadTls(cert: Setting | undefined, key: Setting | undefined, clientCa: Setting | undefined): TlsConfig | undefined {
  if (!cert && !key && !clientCa) return undefined;
  if (cert && !key) throw new ConfigError(`${cert.source}: needs a private key too (--tls-key or QTASKS_BROKER_TLS_KEY)`);
  if (key && !cert) throw new ConfigError(`${key.source}: needs a certificate too (--tls-cert or QTASKS_BROKER_TLS_CERT)`);
  if (!cert || !key) throw new ConfigError(`${clientCa!.source}: mutual TLS needs the server's --tls-cert and --tls-key too`);
  const tls: TlsConfig = { cert: readSettingFile(cert), key: readSettingFile(key) };
  const leaf = checkedCertificates(tls.cert, cert, 'chain')[0]!.certificate;
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(tls.key))) throw new ConfigError(`${key.source}: ${key.value} is not the key of ${cert.value}`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${key.source}: ${key.value} is not a PEM private key (without a passphrase)`);
  }
  if (clientCa) {
    tls.clientCa = readSettingFile(clientCa);
    checkedCertificates(tls.clientCa, clientCa, 'ca');
  }
  return tls;
}

/** Every certificate of a setting's PEM file, each checked (see `pem-certificates.ts`). @throws ConfigError */
function checkedCertificates(pem: Buffer, setting: Setting, role: 'chain' | 'ca'): PemCertificate[] {
  try {
    return readPemCertificates(pem, `${setting.source}: ${setting.value}`, role, Date.now());
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

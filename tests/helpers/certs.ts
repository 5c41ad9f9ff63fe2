/**
 * Test PKI made with openssl at test time, in a temporary directory: a CA, a server certificate
 * for 127.0.0.1 and localhost, a client certificate signed by the CA, and a client certificate
 * signed by another CA (which a mutual-TLS broker must refuse).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Paths (in {@link TestPki.dir}) and contents of the generated PEM files. */
export interface TestPki {
  /** The directory holding every file. */
  dir: string;
  /** File paths. */
  paths: {
    ca: string;
    serverCert: string;
    serverKey: string;
    clientCert: string;
    clientKey: string;
    rogueClientCert: string;
    rogueClientKey: string;
  };
  /** The CA's certificate. */
  ca: Buffer;
  /** The client certificate signed by the CA, and its key. */
  clientCert: Buffer;
  clientKey: Buffer;
  /** A client certificate signed by another CA, and its key. */
  rogueClientCert: Buffer;
  rogueClientKey: Buffer;
  /** Deletes the directory. */
  dispose(): Promise<void>;
}

const OPENSSL = '/usr/bin/openssl';
// EC keys: generation takes milliseconds, where RSA takes a noticeable fraction of a second.
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Generates the PKI. */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'qtasks-pki-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

  const newCa = (name: string): void =>
    openssl('req', '-x509', ...NEW_KEY, '-keyout', file(`${name}.key`), '-out', file(`${name}.pem`), '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const issue = async (name: string, ca: string, subject: string, extensions: string): Promise<void> => {
    await writeFile(file(`${name}.ext`), extensions);
    openssl('req', '-new', ...NEW_KEY, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject);
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${ca}.pem`), '-CAkey', file(`${ca}.key`), '-set_serial', String(Date.now()),
      '-days', '2', '-out', file(`${name}.pem`), '-extfile', file(`${name}.ext`));
  };

  newCa('ca');
  newCa('rogue-ca');
  await issue('server', 'ca', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await issue('client', 'ca', '/CN=qtasks-test-client', 'extendedKeyUsage=clientAuth\n');
  await issue('rogue-client', 'rogue-ca', '/CN=qtasks-rogue-client', 'extendedKeyUsage=clientAuth\n');

  const paths = {
    ca: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    rogueClientCert: file('rogue-client.pem'),
    rogueClientKey: file('rogue-client.key'),
  };
  return {
    dir,
    paths,
    ca: await readFile(paths.ca),
    clientCert: await readFile(paths.clientCert),
    clientKey: await readFile(paths.clientKey),
    rogueClientCert: await readFile(paths.rogueClientCert),
    rogueClientKey: await readFile(paths.rogueClientKey),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * A certificate for 127.0.0.1 signed by `pki`'s CA with the validity period given (OpenSSL
 * `YYYYMMDDHHMMSSZ` times, past or future: `openssl ca` sets them as told), and its key.
 * Returns the paths of the PEM files, written into {@link TestPki.dir}.
 */
export async function issueDatedCertificate(pki: TestPki, name: string, startDate: string, endDate: string): Promise<{ cert: string; key: string }> {
  const file = (suffix: string): string => join(pki.dir, `${name}${suffix}`);
  const openssl = (...args: string[]): void => void execFileSync(OPENSSL, args, { cwd: pki.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  await writeFile(file('.db'), '');
  await writeFile(
    file('.cnf'),
    `[ca]\ndefault_ca = dated\n[dated]\ndatabase = ${file('.db')}\nnew_certs_dir = ${pki.dir}\nserial = ${file('.serial')}\n` +
      'default_md = sha256\npolicy = any\nunique_subject = no\ncopy_extensions = copy\n[any]\ncommonName = supplied\n',
  );
  await writeFile(file('.serial'), `${Date.now().toString(16).padStart(16, '0')}\n`);
  openssl('req', '-new', ...NEW_KEY, '-keyout', file('.key'), '-out', file('.csr'), '-subj', `/CN=${name}`);
  openssl('ca', '-batch', '-notext', '-config', file('.cnf'), '-cert', pki.paths.ca, '-keyfile', join(pki.dir, 'ca.key'),
    '-startdate', startDate, '-enddate', endDate, '-in', file('.csr'), '-out', file('.pem'));
  return { cert: file('.pem'), key: file('.key') };
}

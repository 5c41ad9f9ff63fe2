/**
 * Reads every certificate of a PEM file at start, so that what TLS would refuse later (or accept
 * and regret) stops the broker now, with one line naming the setting and the file:
 *
 * - `X509Certificate` reads only the first block of a file; a corrupt block after it surfaced only
 *   when the TLS context was built, as a raw OpenSSL stack trace. Every block is read here.
 * - An expired or not yet valid certificate was served (clients then fail every handshake, far
 *   from the cause).
 * - A client CA file holding a leaf certificate (not a CA) was accepted, and no client could ever
 *   be verified against it.
 */
import { X509Certificate } from 'node:crypto';

/** A PEM block: its label and base64 body; a BEGIN line without its END is taken as a block too. */
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)(?:-----END \1-----|$)/g;

/** One certificate of a PEM file, with its position (1-based) for messages. */
export interface PemCertificate {
  index: number;
  certificate: X509Certificate;
}

/**
 * Every certificate in a PEM file, checked as described in the module comment.
 *
 * @param where - names the setting and file in messages, e.g. `--tls-cert: ./server.pem`
 * @param role - `chain` (a server's certificate chain) or `ca` (each certificate must be a CA)
 * @param nowMs - the time the validity period is checked against
 * @returns the certificates, in file order
 * @throws Error with a one-line message starting with `where`
 */
export function readPemCertificates(pem: Buffer, where: string, role: 'chain' | 'ca', nowMs: number): PemCertificate[] {
  const text = pem.toString('latin1');
  const certificates: PemCertificate[] = [];
  let blocks = 0;
  for (const match of text.matchAll(PEM_BLOCK)) {
    blocks++;
    const complete = match[0].endsWith('-----') && match[0].includes('-----END ');
    if (!complete) throw new Error(`${where}: block ${blocks} (${match[1]}) has no END line: the file is truncated or corrupt`);
    if (match[1] !== 'CERTIFICATE') continue;
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(match[0]);
    } catch {
      throw new Error(`${where}: block ${blocks} is not a valid certificate (corrupt base64 or DER)`);
    }
    const index = certificates.length + 1;
    const subject = certificate.subject.replace(/\n/g, ', ');
    if (Date.parse(certificate.validTo) <= nowMs) {
      throw new Error(`${where}: certificate ${index} (${subject}) expired on ${certificate.validTo}`);
    }
    if (Date.parse(certificate.validFrom) > nowMs) {
      throw new Error(`${where}: certificate ${index} (${subject}) is not valid before ${certificate.validFrom}`);
    }
    if (role === 'ca' && !certificate.ca) {
      throw new Error(`${where}: certificate ${index} (${subject}) is not a CA certificate (no basicConstraints CA:TRUE); give the CA that signs client certificates, not a client certificate`);
    }
    certificates.push({ index, certificate });
  }
  if (certificates.length === 0) throw new Error(`${where} is not a PEM certificate (it holds no CERTIFICATE block)`);
  return certificates;
}

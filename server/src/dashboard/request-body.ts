/** The JSON body of an API action: small, an object, read with a bound so a client cannot make the broker buffer much. */
import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError } from '../domain/errors.js';
import { HttpError } from './http-errors.js';

/** Largest action body: a cancel reason (4 KiB of text at most) and some room. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Reads the request's body as a JSON object (`{}` when empty).
 *
 * @throws HttpError 413 past {@link MAX_BODY_BYTES}
 * @throws InvalidArgumentError naming `body` when it is not a JSON object
 */
export async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('body', 'is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError('body', 'must be a JSON object');
  return value as Record<string, unknown>;
}

function tooLarge(): HttpError {
  return new HttpError(413, 'BODY_TOO_LARGE', `an action's body must be at most ${MAX_BODY_BYTES} bytes`);
}

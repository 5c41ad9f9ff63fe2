/**
 * Strict request decoding. The generated decoders (ts-proto over Protobuf-ES's `BinaryReader`) are
 * lenient where the contract is not:
 *
 * - A `string` field holding invalid UTF-8 is decoded with U+FFFD in place of the bad bytes, so a
 *   broken client's task id would be looked up as another id (NOT_FOUND), and its cancel reason,
 *   error text or metadata value stored as text it never sent. proto3 requires every `string` to
 *   be valid UTF-8; a request breaking that is refused here, naming the field
 *   (`tasks[0].metadata["k"]: must be valid UTF-8`). U+FFFD itself, sent as valid UTF-8, is just
 *   a character and passes: only the raw bytes can tell the two apart, so the check reads them.
 * - Bytes that are not a protobuf message at all make the decoder throw, and grpc-js reports
 *   that as INTERNAL ("Error deserializing request"), a broker fault. It is the client's: it is
 *   refused as INVALID_ARGUMENT.
 *
 * The decoder itself cannot answer with a status (grpc-js maps any throw to INTERNAL), so
 * {@link strictRequestDecoding} wraps each method's decoder to note what is wrong with a request,
 * and {@link rejectUndecodableRequests}, a server middleware, refuses the call before it reaches
 * the service.
 */
import { createFileRegistry, fromBinary, ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { isUtf8 } from 'node:buffer';
import type { ServerMiddleware } from 'nice-grpc';
import { InvalidArgumentError } from '../domain/errors.js';

/** The shape of a ts-proto generic service definition, as far as decoding goes. */
interface TsProtoServiceDefinition {
  fullName: string;
  methods: Record<string, { name: string; requestType: { decode(input: Uint8Array): unknown } }>;
}

/**
 * Hand-written decoders of a method's most common requests, by method key: each returns the
 * generated decoder's very object for a request it takes, and `undefined` for any other, which the
 * strict decoder then reads (`work-request-decoding.ts`).
 */
export type FastDecoders = Record<string, (bytes: Buffer) => unknown>;

/** What is wrong with each request that decoded badly, by the decoded object. */
const problems = new WeakMap<object, InvalidArgumentError>();

/**
 * A copy of `definition` whose request decoders also check the request against `descriptorSet`
 * (the binary `FileDescriptorSet` of the contract): see the module comment. Serve it together
 * with {@link rejectUndecodableRequests}. A request one of `fastDecoders` takes is plain by
 * construction (no U+FFFD in it), and is not checked again.
 */
export function strictRequestDecoding<D extends TsProtoServiceDefinition>(definition: D, descriptorSet: Uint8Array, fastDecoders: FastDecoders = {}): D {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptorSet));
  const service = registry.getService(definition.fullName);
  if (!service) throw new Error(`the descriptor set does not describe ${definition.fullName}`);
  const methods: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(definition.methods)) {
    const input = service.methods.find((m) => m.name === method.name)?.input;
    if (!input) throw new Error(`the descriptor set does not describe ${definition.fullName}.${method.name}`);
    const fast = fastDecoders[key];
    const decode = (bytes: Uint8Array): unknown => {
      const plain = fast?.(bytes as Buffer);
      if (plain !== undefined) return plain;
      try {
        const message = method.requestType.decode(bytes) as object;
        // Invalid UTF-8 always leaves a U+FFFD in the decoded strings; only then are the raw bytes
        // read again to tell it from a U+FFFD that was sent as such, and to name the field. That
        // second, stricter read (a mismatched end-group tag, which the generated decoder takes
        // for the end of the message, say) throws on what is not valid protobuf either.
        if (hasReplacementCharacter(message)) {
          const field = findInvalidUtf8(input, bytes);
          if (field !== undefined) problems.set(message, new InvalidArgumentError(field, 'must be valid UTF-8'));
        }
        return message;
      } catch (error) {
        const message = {};
        const why = error instanceof Error ? error.message : String(error);
        problems.set(message, new InvalidArgumentError('request', `is not a valid ${input.typeName} message (${why})`));
        return message;
      }
    };
    methods[key] = { ...method, requestType: { ...method.requestType, decode } };
  }
  return { ...definition, methods } as D;
}

/**
 * Refuses a call whose request {@link strictRequestDecoding} found wrong, before the service sees
 * it. For the unary and server-streaming methods nice-grpc serves; the client streams (Work,
 * Produce) are served on grpc-js directly, and `stream-calls.ts` refuses each of their requests
 * with {@link problemOf} in the same way.
 */
export const rejectUndecodableRequests: ServerMiddleware = async function* (call, context) {
  const problem = problemOf(call.request);
  if (problem) throw problem;
  return yield* call.next(call.request, context);
};

/** What {@link strictRequestDecoding} found wrong with a decoded request, if anything. */
export function problemOf(message: unknown): InvalidArgumentError | undefined {
  return message !== null && typeof message === 'object' ? problems.get(message) : undefined;
}

const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** True if a string anywhere in a decoded message holds U+FFFD (bytes fields and dates are skipped). */
function hasReplacementCharacter(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\ufffd');
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Date) return false;
  if (Array.isArray(value)) return value.some(hasReplacementCharacter);
  for (const key in value) {
    // Map keys are strings too.
    if (key.includes('\ufffd') || hasReplacementCharacter((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

const fieldsByNumber = new WeakMap<DescMessage, Map<number, DescField>>();

function fieldOf(desc: DescMessage, number: number): DescField | undefined {
  let fields = fieldsByNumber.get(desc);
  if (!fields) fieldsByNumber.set(desc, (fields = new Map(desc.fields.map((f) => [f.number, f]))));
  return fields.get(number);
}

/**
 * The path (`tasks[1].tags[0]`, as validation names fields) of the first `string` field in the
 * encoded message that is not valid UTF-8, or undefined if there is none. Reads the wire format
 * guided by the descriptor; `bytes` fields and numbers are skipped without a copy.
 */
function findInvalidUtf8(desc: DescMessage, bytes: Uint8Array, prefix = ''): string | undefined {
  const reader = new BinaryReader(bytes);
  const seen = new Map<number, number>();
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    const field = fieldOf(desc, number);
    if (!field || wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, number);
      continue;
    }
    const value = reader.bytes();
    const index = seen.get(number) ?? 0;
    seen.set(number, index + 1);
    const found = checkField(field, value, `${prefix}${field.name}`, index);
    if (found !== undefined) return found;
  }
  return undefined;
}

function checkField(field: DescField, value: Uint8Array, path: string, index: number): string | undefined {
  switch (field.fieldKind) {
    case 'scalar':
      return field.scalar === ScalarType.STRING && !isUtf8(value) ? path : undefined;
    case 'message':
      return findInvalidUtf8(field.message, value, `${path}.`);
    case 'list':
      if (field.listKind === 'message') return findInvalidUtf8(field.message, value, `${path}[${index}].`);
      return field.listKind === 'scalar' && field.scalar === ScalarType.STRING && !isUtf8(value) ? `${path}[${index}]` : undefined;
    case 'map':
      return checkMapEntry(field, value, path);
    default:
      return undefined;
  }
}

/** A map entry is a message of its own: key = 1, value = 2. */
function checkMapEntry(field: DescField & { fieldKind: 'map' }, entry: Uint8Array, path: string): string | undefined {
  const reader = new BinaryReader(entry);
  let key: Uint8Array | undefined;
  let value: Uint8Array | undefined;
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (wireType !== WireType.LengthDelimited || (number !== 1 && number !== 2)) {
      reader.skip(wireType, number);
      continue;
    }
    if (number === 1) key = reader.bytes();
    else value = reader.bytes();
  }
  if (key && field.mapKey === ScalarType.STRING && !isUtf8(key)) return path;
  const entryPath = `${path}[${key && field.mapKey === ScalarType.STRING ? JSON.stringify(lenientUtf8.decode(key)) : '?'}]`;
  if (!value) return undefined;
  if (field.mapKind === 'scalar' && field.scalar === ScalarType.STRING && !isUtf8(value)) return entryPath;
  if (field.mapKind === 'message') return findInvalidUtf8(field.message, value, `${entryPath}.`);
  return undefined;
}

/**
 * Replies the broker encodes itself. nice-grpc serializes every reply of a ts-proto service as
 * `encode(fromPartial(reply))`: `fromPartial` deep-copies the whole message first (a fresh object
 * and fresh empty buffers for every task of a push) before `encode` writes it, and the reply flow
 * (`reply-flow.ts`) walks the object once more to guess its size. A hot path that builds its
 * message whole can encode it at once and hand over the bytes: they pass through unchanged, and
 * their size is exact.
 */
import type { DeepPartial } from '@qtasks/proto';
/** The encoded bytes of a reply, handed to nice-grpc in place of the message. */
export type EncodedReply = Uint8Array & { readonly encodedReply: true };

/** Encodes a whole message (every field present, as `encode` requires) into an {@link EncodedReply}. */
export function encodeReply<T>(type: { encode(message: T): { finish(): Uint8Array } }, message: T): EncodedReply {
  return type.encode(message).finish() as EncodedReply;
}

/** An encoded reply, typed as the message a nice-grpc handler returns (it passes through `acceptEncodedReplies` unchanged). */
export function asReply<T>(bytes: EncodedReply): DeepPartial<T> {
  return bytes as unknown as DeepPartial<T>;
}

/** {@link encodeReply}, typed as the reply a nice-grpc handler returns: for handlers that build their reply whole. */
export function encoded<T>(type: { encode(message: T): { finish(): Uint8Array } }, message: T): DeepPartial<T> {
  return asReply<T>(encodeReply(type, message));
}

/** The shape of a ts-proto generic service definition, as far as reply encoding goes. */
interface TsProtoServiceDefinition {
  methods: Record<string, { responseType: { encode(message: never, writer?: never): { finish(): Uint8Array }; fromPartial(object: never): unknown } }>;
}

/** A copy of `definition` whose methods also take an {@link EncodedReply} as a reply, sent as is. */
export function acceptEncodedReplies<D extends TsProtoServiceDefinition>(definition: D): D {
  const methods: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(definition.methods)) {
    const { encode, fromPartial } = method.responseType as unknown as {
      encode(message: unknown): { finish(): Uint8Array };
      fromPartial(object: unknown): unknown;
    };
    const responseType = {
      ...method.responseType,
      fromPartial: (object: unknown) => (object instanceof Uint8Array ? object : fromPartial(object)),
      encode: (message: unknown) => (message instanceof Uint8Array ? { finish: () => message } : encode(message)),
    };
    methods[key] = { ...method, responseType };
  }
  return { ...definition, methods } as D;
}

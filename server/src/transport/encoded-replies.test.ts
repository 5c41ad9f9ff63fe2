import { BrokerServiceDefinition, GetTaskResponse } from '@qtasks/proto';
import { fromTsProtoServiceDefinition } from 'nice-grpc/lib/service-definitions/ts-proto.js';
import { describe, expect, it } from 'vitest';
import { acceptEncodedReplies, encoded } from './encoded-replies.js';

// What nice-grpc does with the definition: serialize each reply with `encode(fromPartial(reply))`.
const getTask = fromTsProtoServiceDefinition(acceptEncodedReplies(BrokerServiceDefinition)).getTask!;

describe('acceptEncodedReplies', () => {
  it('sends an encoded reply as it is, byte for byte', () => {
    const bytes = encoded(GetTaskResponse, { task: undefined }) as unknown as Uint8Array;
    expect(getTask.responseSerialize(bytes as never)).toBe(bytes);
  });

  it('still encodes a reply given as a (partial) message, the same as without it', () => {
    const reply = { task: { id: 't1', name: 'n', args: Buffer.from('[1]') } };
    const plain = fromTsProtoServiceDefinition(BrokerServiceDefinition).getTask!.responseSerialize(reply as never);
    expect(Buffer.from(getTask.responseSerialize(reply as never))).toEqual(Buffer.from(plain));
    expect(GetTaskResponse.decode(plain).task).toMatchObject({ id: 't1', name: 'n' });
  });
});

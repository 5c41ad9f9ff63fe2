/**
 * What a producer asks of the broker, from request to reply: admit, validate, call the core, map
 * the answer. Shared by the unary Enqueue and the Produce stream, so that both store, refuse and
 * answer alike.
 */
import type { EnqueueRequest } from '@qtasks/proto';
import type { Broker } from '../core/broker.js';
import type { TaskRecord } from '../domain/task.js';
import { parseEnqueueRequest, type RequestLimits } from './validation.js';

/** The producer-side calls over one broker (see the module comment). */
export interface ProducerCalls {
  /**
   * Validates and stores an Enqueue; resolves once its tasks are durable, with the stored records
   * in request order (the reply is made of them: `task-wire.ts`; a Produce stream watches them).
   *
   * @throws OverloadedError before anything else when the broker is overloaded
   * @throws InvalidArgumentError, ResourceExhaustedError, AlreadyExistsError as Enqueue refuses
   */
  enqueue(request: EnqueueRequest): Promise<TaskRecord[]>;
}

/** The producer-side calls over `broker`, with the request limits of the broker's configuration. */
export function producerCalls(broker: Broker, limits: RequestLimits): ProducerCalls {
  return {
    async enqueue(request) {
      // Refused before validation when overloaded: a refusal should cost the broker nothing.
      broker.admitEnqueue(request.tasks.length);
      return broker.enqueue(parseEnqueueRequest(request, limits));
    },
  };
}

import type { FaultKind } from './fault-answer.js';
import type { EndpointOrUnknown } from './faults.js';

/** One request the simulator received. */
export interface RequestRecord {
  seq: number;
  method: string;
  /** Path below the origin, query included. */
  path: string;
  endpoint: EndpointOrUnknown;
  /** The answer's status; 0 while in progress, or for a dropped or unanswered request. */
  status: number;
  /** What a fault did to it, if one applied. */
  fault?: FaultKind;
  receivedAt: number;
  answeredAt?: number;
  /** When a fault `afterHandling` held the handler's answer (the work was done, the answer is late or lost). */
  heldAt?: number;
}

/** Counts every request per endpoint and keeps the latest `limit` of them. */
export class RequestLog {
  readonly #limit: number;
  readonly #counts = new Map<EndpointOrUnknown, number>();
  readonly #records: RequestRecord[] = [];
  #seq = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  add(method: string, path: string, endpoint: EndpointOrUnknown): RequestRecord {
    const record: RequestRecord = {
      seq: ++this.#seq,
      method,
      path,
      endpoint,
      status: 0,
      receivedAt: Date.now(),
    };
    this.#counts.set(endpoint, (this.#counts.get(endpoint) ?? 0) + 1);
    this.#records.push(record);
    if (this.#records.length > this.#limit) this.#records.splice(0, this.#records.length - this.#limit);
    return record;
  }

  count(endpoint?: EndpointOrUnknown): number {
    if (endpoint) return this.#counts.get(endpoint) ?? 0;
    let total = 0;
    for (const count of this.#counts.values()) total += count;
    return total;
  }

  counts(): Partial<Record<EndpointOrUnknown, number>> {
    return Object.fromEntries(this.#counts);
  }

  records(): RequestRecord[] {
    return this.#records.map((r) => ({ ...r }));
  }
}

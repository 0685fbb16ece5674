import { z } from 'zod';
import type { Call, RequestOptions } from './call.js';
import { GitLabGraphQLError } from './errors.js';
import type { Transport } from './transport.js';

/**
 * The GraphQL endpoint beside the REST API: `/api/graphql` (doc/api/graphql/index.md), below the same path
 * prefix (`/prefix/api/v4` → `/prefix/api/graphql`).
 */
export function graphqlPath(transport: Transport): string {
  return `${transport.apiPath.replace(/\/v4$/, '')}/graphql`;
}

const errorsSchema = z.array(z.looseObject({ message: z.string() }));

/**
 * Sends one GraphQL query through the client's transport (authentication, timeouts, retries of 429 and
 * 5xx, the answer size cap, rate-limit headers and request metrics all apply) and checks its `data` against
 * `schema`. GitLab answers most failures with status 200 and `errors`: those become a
 * {@link GitLabGraphQLError} naming GitLab's messages.
 */
export async function graphqlQuery<T extends z.ZodType>(
  transport: Transport,
  query: string,
  variables: Record<string, unknown>,
  schema: T,
  options: RequestOptions & { operation?: string } = {},
): Promise<z.output<T>> {
  const call: Call = {
    method: 'POST',
    path: graphqlPath(transport),
    body: { query, variables },
    // A query changes nothing, so it may be sent again after any failure.
    retryOn: 'all',
    signal: options.signal,
  };
  const answer = await transport.request(call);
  const envelope = transport.parse(
    z.looseObject({ data: z.unknown().optional(), errors: errorsSchema.optional() }),
    call,
    answer,
  );
  if (envelope.errors && envelope.errors.length > 0) {
    const messages = envelope.errors.map((e) => transport.redact(e.message));
    const what = options.operation ? ` (${options.operation})` : '';
    throw new GitLabGraphQLError(
      `GitLab refused the GraphQL query${what}: ${messages[0]}${messages.length > 1 ? ` (and ${messages.length - 1} more)` : ''}`,
      {
        method: call.method,
        path: call.path,
        messages,
        details: messages.length > 1 ? messages.slice(0, 10) : undefined,
        hint: /complexity|doesn't exist|doesn't accept/.test(messages.join(' '))
          ? 'This GitLab does not know a field the query uses (GitLab 16.0 or later is needed), or limits queries more tightly.'
          : 'See GitLab’s message; if it persists, report it with the message.',
      },
    );
  }
  return transport.parse(schema, call, { ...answer, data: envelope.data });
}

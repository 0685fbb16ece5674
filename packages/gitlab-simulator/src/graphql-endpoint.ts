import type { Answer } from './http.js';
import { executeQuery } from './graphql-execute.js';
import { GqlSyntaxError, parseQuery } from './graphql-parse.js';
import { MAX_COMPLEXITY, validateQuery } from './graphql-schema.js';
import type { SimulatorStore } from './state.js';

/**
 * `POST /api/graphql` (doc/api/graphql): `{ query, variables }` in, `{ data }` or `{ errors }` out, status
 * 200 either way as GitLab answers. Only the fields of graphql-schema.ts exist; a query above GitLab's
 * complexity limit for an authenticated user is refused with graphql-ruby's message.
 */
export function answerGraphql(store: SimulatorStore, body: Record<string, unknown>, answer: Answer): void {
  const query = body.query;
  if (typeof query !== 'string' || query.trim() === '') {
    answer(200, { errors: [{ message: 'No query string was present' }] });
    return;
  }
  const variables =
    body.variables && typeof body.variables === 'object' && !Array.isArray(body.variables)
      ? (body.variables as Record<string, unknown>)
      : {};
  let operation: ReturnType<typeof parseQuery>;
  try {
    operation = parseQuery(query);
  } catch (error) {
    if (!(error instanceof GqlSyntaxError)) throw error;
    answer(200, { errors: [{ message: error.message, locations: [error.location] }] });
    return;
  }
  const validated = validateQuery(operation, variables);
  if (validated.errors.length > 0) {
    answer(200, { errors: validated.errors });
    return;
  }
  if (validated.complexity > MAX_COMPLEXITY) {
    answer(200, {
      errors: [
        {
          message: `Query has complexity of ${validated.complexity}, which exceeds max complexity of ${MAX_COMPLEXITY}`,
        },
      ],
    });
    return;
  }
  answer(200, { data: executeQuery(store, operation.selections, validated.args) });
}

import { z } from 'zod';
import { type Call, encodeId, type RequestOptions } from './call.js';
import type { Transport } from './transport.js';

/**
 * A runner's details as `GET /runners/:id` returns them (lib/api/entities/ci/runner_details.rb): for a
 * project runner the projects it runs for, for a group runner its groups.
 */
export const runnerDetailsSchema = z.looseObject({
  id: z.number().int(),
  description: z.string().nullish(),
  runner_type: z.string().nullish(),
  locked: z.boolean().nullish(),
  projects: z
    .array(z.looseObject({ id: z.number().int(), path_with_namespace: z.string().nullish() }))
    .nullish(),
  groups: z.array(z.looseObject({ id: z.number().int() })).nullish(),
});
export type RunnerDetails = z.infer<typeof runnerDetailsSchema>;

/** `GET /runners/:id`. */
export async function getRunner(
  transport: Transport,
  id: number,
  options: RequestOptions = {},
): Promise<RunnerDetails> {
  const call: Call = { method: 'GET', path: transport.api(`/runners/${id}`), retryOn: 'all', ...options };
  return transport.parse(runnerDetailsSchema, call, await transport.request(call));
}

/**
 * `POST /projects/:id/runners` with `runner_id` (doc/api/runners.md, "Assign a runner to project"): the
 * project runner takes that project's jobs too. GitLab refuses a locked runner and a group runner (403).
 */
export async function enableProjectRunner(
  transport: Transport,
  projectId: number | string,
  runnerId: number,
  options: RequestOptions = {},
): Promise<void> {
  await transport.request({
    method: 'POST',
    path: transport.api(`/projects/${encodeId(projectId)}/runners`),
    body: { runner_id: runnerId },
    // Enabling twice fails harmlessly (400), so any failure may be retried.
    retryOn: 'all',
    ...options,
  });
}

/**
 * `DELETE /projects/:id/runners/:runner_id` ("Unassign a runner from project"). GitLab refuses the owner
 * project, where the runner was created (403: delete the runner instead).
 */
export async function disableProjectRunner(
  transport: Transport,
  projectId: number | string,
  runnerId: number,
  options: RequestOptions = {},
): Promise<void> {
  await transport.request({
    method: 'DELETE',
    path: transport.api(`/projects/${encodeId(projectId)}/runners/${runnerId}`),
    retryOn: 'all',
    ...options,
  });
}

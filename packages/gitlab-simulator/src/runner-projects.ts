import { type Answer, stringParam } from './http.js';
import { runnerSummary } from './payloads.js';
import type { SimulatorStore } from './state.js';
import { maintainedProject, visibleProjectOr404 } from './visible.js';

// Enabling a project runner in other projects, as doc/api/runners.md ("Assign a runner to project",
// "Unassign a runner from project") and lib/api/ci/runners.rb (gitlabhq commit 034daf00b1) describe it.

/**
 * `POST /projects/:id/runners` with `runner_id`: enables a project runner in one more project. The user needs
 * the Maintainer role there (`create_runners`); a group runner is refused ("Runner is a group runner"), and
 * so is a locked one ("Runner is locked", `authenticate_enable_runner!`).
 */
export function enableProjectRunner(
  store: SimulatorStore,
  idOrPath: string,
  body: Record<string, unknown>,
  answer: Answer,
): void {
  const project = maintainedProject(store, idOrPath, answer);
  if (!project) return;
  const runner = store.runners.get(Number(stringParam(body, 'runner_id')));
  if (!runner) {
    answer(404, { message: '404 Runner Not Found' });
    return;
  }
  if (runner.runnerType === 'group_type') {
    answer(403, { message: '403 Forbidden - Runner is a group runner' });
    return;
  }
  if (runner.locked) {
    answer(403, { message: '403 Forbidden - Runner is locked' });
    return;
  }
  if (runner.projectId === project.id || runner.enabledProjectIds.includes(project.id)) {
    // Ci::Runner#assign_to fails on the existing runner_projects row.
    answer(400, { message: 'Runner project has already been taken' });
    return;
  }
  runner.enabledProjectIds.push(project.id);
  answer(201, runnerSummary(runner));
  store.changed();
}

/**
 * `DELETE /projects/:id/runners/:runner_id`: disables a project runner in a project. The owner project
 * cannot be left ("You cannot unassign a runner from the owner project. Delete the runner instead",
 * Ci::Runners::UnassignRunnerService), nor can a locked runner ("Runner is locked").
 */
export function disableProjectRunner(
  store: SimulatorStore,
  idOrPath: string,
  runnerId: number,
  answer: Answer,
): void {
  const project = visibleProjectOr404(store, idOrPath, answer);
  if (!project) return;
  const runner = store.runners.get(runnerId);
  if (!runner || (runner.projectId !== project.id && !runner.enabledProjectIds.includes(project.id))) {
    answer(404, { message: '404 Runner Not Found' });
    return;
  }
  if (runner.locked) {
    answer(403, { message: '403 Forbidden - Runner is locked' });
    return;
  }
  if (runner.projectId === project.id) {
    answer(403, {
      message:
        '403 Forbidden - You cannot unassign a runner from the owner project. Delete the runner instead',
    });
    return;
  }
  runner.enabledProjectIds = runner.enabledProjectIds.filter((id) => id !== project.id);
  answer(204, undefined);
  store.changed();
}

import type { Answer } from './http.js';
import { ACCESS_LEVELS, type SimGroup, type SimProject } from './model.js';
import type { SimulatorStore } from './state.js';

// What a request names by id or path, as GitLab finds it for the token's user: a project or group the user
// cannot see is "404 ... Not Found", not 403, so that its existence does not leak.

/** The project the token's user sees by id or path; else answers 404. */
export function visibleProjectOr404(
  store: SimulatorStore,
  idOrPath: string,
  answer: Answer,
): SimProject | undefined {
  const project = store.visibleProject(idOrPath);
  if (!project) answer(404, { message: '404 Project Not Found' });
  return project;
}

/** The group the token's user sees by id or full path; else answers 404. */
export function visibleGroupOr404(
  store: SimulatorStore,
  idOrPath: string,
  answer: Answer,
): SimGroup | undefined {
  const group = store.visibleGroup(idOrPath);
  if (!group) answer(404, { message: '404 Group Not Found' });
  return group;
}

/** A project where the token's user is at least Maintainer (`create_runners`); else answers 404 or 403. */
export function maintainedProject(
  store: SimulatorStore,
  idOrPath: string,
  answer: Answer,
): SimProject | undefined {
  const project = visibleProjectOr404(store, idOrPath, answer);
  if (!project) return undefined;
  if (ACCESS_LEVELS[store.projectRole(project)] < ACCESS_LEVELS.maintainer) {
    answer(403, { message: '403 Forbidden' });
    return undefined;
  }
  return project;
}

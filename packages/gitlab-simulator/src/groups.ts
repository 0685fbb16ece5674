import type { Answer } from './http.js';
import { ACCESS_LEVELS } from './model.js';
import { groupPayload } from './payloads.js';
import type { SimulatorStore } from './state.js';
import { visibleGroupOr404 } from './visible.js';

/** The access token's user, as `GET /user` shows it (doc/api/users.md): the simulator has one. */
export const SIM_USER = { id: 1, username: 'meta-runner-bot', name: 'gitlab-meta-runner', state: 'active' };

/** `GET /user`. */
export function currentUser(answer: Answer): void {
  answer(200, { ...SIM_USER, bot: false, web_url: null });
}

/** `GET /groups/:id` by numeric id or URL-encoded full path; 404 when the user cannot see it. */
export function showGroup(store: SimulatorStore, idOrPath: string, webBase: string, answer: Answer): void {
  const group = visibleGroupOr404(store, idOrPath, answer);
  if (!group) return;
  answer(200, groupPayload(group, store.ancestry(group)[1], webBase));
}

/**
 * `GET /groups/:id/members/all/:user_id` (doc/api/members.md): a member with the access level inherited
 * from ancestor groups too; the simulator knows only its own user.
 */
export function groupMember(store: SimulatorStore, idOrPath: string, userId: number, answer: Answer): void {
  const group = visibleGroupOr404(store, idOrPath, answer);
  if (!group) return;
  if (userId !== SIM_USER.id) {
    answer(404, { message: '404 Member Not Found' });
    return;
  }
  answer(200, { ...SIM_USER, access_level: ACCESS_LEVELS[group.role] });
}

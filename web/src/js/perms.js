/*
 * perms.js - what the logged-in account may do: the permission names of
 * docs/ROLES.md, from GET /auth/me once per token (kept in memory, so a
 * new login or a reload asks again). Navigation and page blocks are shown
 * by permission, never by role name.
 */
import { api, token } from './api.js';

let held = { tok: null, perms: [] };
let pending = null;

/* Load the permissions of the current token (once). */
export async function loadPermissions() {
  const tok = token();
  if (!tok) return [];
  if (held.tok === tok) return held.perms;
  if (!pending || pending.tok !== tok) {
    const p = api('GET', '/auth/me').then((r) => {
      held = { tok, perms: Array.isArray(r.permissions) ? r.permissions : [] };
      return held.perms;
    }).finally(() => {
      if (pending && pending.p === p) pending = null;
    });
    pending = { tok, p };
  }
  return pending.p;
}

/* can('users.manage') - only once loadPermissions() has answered. */
export function can(perm) {
  return held.tok !== null && held.tok === token() && held.perms.includes(perm);
}

/* The first page this account may open: the door, else its tools. */
export function homePath() {
  if (can('guests.find')) return '/';
  if (can('users.manage')) return '/users';
  if (can('keys.manage')) return '/keys';
  if (can('audit.read')) return '/audit';
  if (can('analytics.read')) return '/segments';
  return '/';
}

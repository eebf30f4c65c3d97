/**
 * @module startRbacServer: an in-process api-server as `--token-auth-file F --authorization-mode RBAC` builds it
 * (token-file users, anonymous on, system:masters then RBAC, escalation checks), for tests of any workspace.
 */
import { unionAuthenticator } from '../src/auth/authenticator.js';
import { privilegedGroupAuthorizer, unionAuthorizer } from '../src/auth/authorizer.js';
import { createRbac } from '../src/auth/rbac/rbac.js';
import { parseTokenFile, tokenFileAuthenticator } from '../src/auth/token-file-authenticator.js';
import { MemoryStore } from '../src/storage/memory-store.js';
import { startServer, type RunningServer } from './harness.js';

/** startRbacServer starts a server whose users are the lines of `tokenFile` (kube's token,user,uid,"groups"). */
export async function startRbacServer(tokenFile: string): Promise<RunningServer> {
  const store = new MemoryStore();
  const rbac = createRbac(store);
  const authorizer = unionAuthorizer([privilegedGroupAuthorizer, rbac.authorizer]);
  const server = await startServer({
    store,
    auth: { authenticate: unionAuthenticator([tokenFileAuthenticator(parseTokenFile(tokenFile))], { anonymous: true }), authorizer, rules: rbac.index },
    admission: [rbac.admission(authorizer)],
  });
  const close = server.close.bind(server);
  return {
    ...server,
    async close() {
      await close();
      rbac.close();
    },
  };
}

/** denied is kube's 403 message for a resource request RBAC refused: `pods "x" is forbidden: User "u" cannot get ...`. */
export const denied = (user: string, verb: string, resource: string, group: string, where: string, name?: string): string =>
  `${name ? `${resource}${group ? `.${group}` : ''} "${name}"` : `${resource}${group ? `.${group}` : ''}`} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}" ${where}`;

/**
 * @module Static bearer tokens from a CSV file (kube-apiserver --token-auth-file).
 */
import { timingSafeEqual } from 'node:crypto';
import { bearerToken, type Authenticator } from './authenticator.js';
import type { UserInfo } from './user-info.js';

/**
 * parseTokenFile reads kube's format: one `token,user,uid[,"group1,group2"]` per line; blank lines and lines
 * starting with # are skipped. A malformed line throws with its number, so a typo stops the server at start.
 */
export function parseTokenFile(text: string): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = splitCsv(line);
    if (fields.length < 3 || !fields[0] || !fields[1]) throw new Error(`token file line ${i + 1}: want token,user,uid[,"groups"], got ${fields.length} field(s)`);
    const [token, username, uid, groups] = fields as [string, string, string, string | undefined];
    if (tokens.has(token)) throw new Error(`token file line ${i + 1}: duplicate token`);
    const user: UserInfo = { username, groups: groups ? groups.split(',').map((g) => g.trim()).filter(Boolean) : [] };
    if (uid) user.uid = uid;
    tokens.set(token, user);
  });
  return tokens;
}

function splitCsv(line: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^,]*))\s*(?:,|$)/y;
  while (re.lastIndex < line.length) {
    const m = re.exec(line);
    if (!m) break;
    out.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : (m[2] ?? '').trim());
  }
  if (line.endsWith(',')) out.push('');
  return out;
}

/** tokenFileAuthenticator answers the user of a known bearer token; unknown tokens are for the next authenticator. */
export function tokenFileAuthenticator(tokens: Map<string, UserInfo>): Authenticator {
  const entries = [...tokens].map(([t, u]) => [Buffer.from(t), u] as const);
  return (req) => {
    const token = bearerToken(req);
    if (!token) return undefined;
    const b = Buffer.from(token);
    // Constant time per candidate, so a token cannot be guessed byte by byte from response times.
    for (const [t, user] of entries) if (t.length === b.length && timingSafeEqual(t, b)) return user;
    return undefined;
  };
}

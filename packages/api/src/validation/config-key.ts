/**
 * @module isConfigMapKey: the rule for keys of ConfigMap and Secret data (apimachinery IsConfigMapKey), since
 * each key may become a file name in a volume.
 */

const KEY_FMT = '[-._a-zA-Z0-9]+';
const KEY_RE = new RegExp(`^${KEY_FMT}$`);

/** MAX_CONFIG_DATA_BYTES is core.MaxSecretSize: the data of one ConfigMap or Secret, all keys together. */
export const MAX_CONFIG_DATA_BYTES = 1024 * 1024;

/** isConfigMapKey returns apimachinery's messages for a bad key (none for a good one). */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!KEY_RE.test(value)) {
    errs.push(`a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '${KEY_FMT}')`);
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/**
 * base64Error is what Go's encoding/json says of a []byte field that is not standard, padded base64 (JSON carries
 * Secret data and ConfigMap binaryData that way), or undefined when the text decodes. Line breaks are skipped, as Go does.
 */
export function base64Error(text: string): string | undefined {
  const s = text.replace(/[\r\n]/g, '');
  const bad = s.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return `illegal base64 data at input byte ${bad}`;
  const pad = s.indexOf('=');
  if (pad >= 0 && (!/^=+$/.test(s.slice(pad)) || s.length - pad > 2)) return `illegal base64 data at input byte ${pad}`;
  if (s.length % 4 !== 0) return `illegal base64 data at input byte ${s.length - (s.length % 4)}`;
  return undefined;
}

/** base64Bytes is how many bytes a valid base64 text decodes to. */
export function base64Bytes(text: string): number {
  const s = text.replace(/[\r\n]/g, '');
  return (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);
}

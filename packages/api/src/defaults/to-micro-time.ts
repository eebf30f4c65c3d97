/**
 * @module toMicroTime: the metav1.MicroTime text form.
 */

/**
 * toMicroTime writes a UTC time with exactly six fractional digits, the metav1.MicroTime form kube-apiserver
 * returns (Go clients parse it with RFC3339Micro); client-node sends milliseconds. Other forms are left as given.
 */
export function toMicroTime(text: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(text);
  if (!m) return text;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

/**
 * @module formatLabelSelector, the string form of a metav1.LabelSelector shown in the wide Selector column.
 */
import type { LabelSelector } from '../index.js';
import { NONE } from './resource-printer.js';

/**
 * formatLabelSelector renders a selector as metav1.FormatLabelSelector does: requirements sorted by key, values of
 * set-based requirements sorted, e.g. "app=web,env in (dev,prod),!canary"; "<none>" for an empty selector.
 */
export function formatLabelSelector(selector: LabelSelector | undefined): string {
  const parts: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) parts.push({ key, text: `${key}=${value}` });
  for (const req of selector?.matchExpressions ?? []) {
    const values = [...(req.values ?? [])].sort().join(',');
    const text =
      req.operator === 'In'
        ? `${req.key} in (${values})`
        : req.operator === 'NotIn'
          ? `${req.key} notin (${values})`
          : req.operator === 'Exists'
            ? req.key
            : `!${req.key}`;
    parts.push({ key: req.key, text });
  }
  parts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return parts.length ? parts.map((p) => p.text).join(',') : NONE;
}

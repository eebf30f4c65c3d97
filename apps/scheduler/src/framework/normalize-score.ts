/**
 * @module defaultNormalizeScore, after kube-scheduler plugins/helper/normalize_score.go.
 */
import { MAX_SCORE } from './status.js';

/**
 * defaultNormalizeScore scales scores so the largest becomes 100; with `reverse`, the largest becomes 0 and the
 * smallest 100 (for counts of bad things, such as intolerable PreferNoSchedule taints). All-zero input becomes all
 * 0, or all 100 when reversed.
 */
export function defaultNormalizeScore(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) max = Math.max(max, s);
  for (let i = 0; i < scores.length; i++) {
    if (max === 0) {
      scores[i] = reverse ? MAX_SCORE : 0;
      continue;
    }
    const s = Math.floor((MAX_SCORE * scores[i]!) / max);
    scores[i] = reverse ? MAX_SCORE - s : s;
  }
}

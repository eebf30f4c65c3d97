/**
 * @module humanDuration, the short age format kubectl prints (apimachinery util/duration.HumanDuration).
 */

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

/**
 * humanDuration renders a duration in milliseconds the way kube-apiserver renders ages: "95s", "3m5s", "47m",
 * "2h5m", "30h", "3d4h", "12d", "2y3d", "9y". A duration of up to one second in the past is treated as "0s" to
 * tolerate clock skew; anything more negative is "<invalid>".
 */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '<invalid>';
  // Go converts float seconds to int by truncating toward zero, so -1.9s counts as -1s and stays "0s".
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 2 * MINUTE) return `${seconds}s`;

  const minutes = Math.floor(seconds / MINUTE);
  if (minutes < 10) {
    const s = seconds % MINUTE;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 3 * 60) return `${minutes}m`;

  const hours = Math.floor(seconds / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;

  const days = Math.floor(seconds / DAY);
  if (hours < 8 * 24) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (seconds < 2 * YEAR) return `${days}d`;

  const years = Math.floor(seconds / YEAR);
  if (seconds < 8 * YEAR) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/**
 * sinceTimestamp is kube's translateTimestampSince: the age of an RFC 3339 timestamp at `nowMs`, or "<unknown>"
 * when the timestamp is missing or unparseable.
 */
export function sinceTimestamp(timestamp: string | null | undefined, nowMs: number): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(nowMs - t);
}

/**
 * @module isPodTerminal: a pod whose phase is Succeeded or Failed never runs again (podutil.IsPodTerminal).
 */

/** isPodPhaseTerminal is true for the phases a pod never leaves: Succeeded and Failed. */
export function isPodPhaseTerminal(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** isPodTerminal is true once a pod's phase is Succeeded or Failed; takes any object with a pod's status shape. */
export function isPodTerminal(pod: { status?: { phase?: string } | null }): boolean {
  return isPodPhaseTerminal(pod.status?.phase);
}
